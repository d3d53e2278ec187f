// The call list with filters and pagination in the query string; /admin/calls shows every owner's.
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { useApi } from '../lib/use-api.js';
import { setQuery, location } from '../lib/router.js';
import { useLiveEvents } from '../lib/events.js';
import { Loading, ErrorBox, Empty, CursorPager, PageHead, Field, CALL_STATUS } from '../components/ui.js';
import { CallsTable } from '../components/calls-table.js';

const LIMIT = 20;
const FILTERS = ['status', 'caller', 'from', 'to', 'agent_id', 'user_id'];

/** @param {{ query: URLSearchParams }} p */
export default function Calls({ query }) {
  const admin = location.value.path.startsWith('/admin');
  const api = admin ? '/api/admin/calls' : '/api/calls';
  const cursor = query.get('cursor');
  const at = Number(query.get('at') ?? 0) || 0;
  const limit = Math.min(200, Number(query.get('limit')) || LIMIT);
  const q = new URLSearchParams();
  for (const f of FILTERS) {
    const v = query.get(f);
    if (v && (admin || f !== 'user_id')) q.set(f, v);
  }
  const filters = q.toString();
  const list = useApi(`${api}?${filters}${filters ? '&' : ''}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  useLiveEvents(['call.'], () => {
    if (!cursor) list.reload();
  });
  const [draft, setDraft] = useState(() => Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])));
  const input = (/** @type {string} */ name) => ({ value: draft[name], onInput: (/** @type {any} */ e) => setDraft({ ...draft, [name]: e.currentTarget.value }) });
  const apply = (/** @type {Event} */ e) => {
    e.preventDefault();
    setQuery({ ...draft, cursor: null, at: null });
  };
  const reset = () => {
    setDraft(Object.fromEntries(FILTERS.map((f) => [f, ''])));
    setQuery(Object.fromEntries([...FILTERS, 'cursor', 'at'].map((f) => [f, null])));
  };
  const csv = `${api}/export.csv?${filters}${filters ? '&' : ''}delimiter=semicolon`;

  return html`
    <${PageHead} title=${admin ? t('admin.calls.title') : t('calls.title')}>
      <a class="button secondary" href=${csv} download data-testid="csv">${t('action.export_csv')}</a>
    <//>
    <form class="card filters" onSubmit=${apply} aria-label=${t('calls.filters')}>
      <${Field} id="f-status" label=${t('calls.col_status')}>
        <select id="f-status" ...${input('status')}>
          <option value="">${t('calls.all_statuses')}</option>
          ${Object.entries(CALL_STATUS).map(([k, key]) => html`<option value=${k}>${t(key)}</option>`)}
        </select>
      <//>
      <${Field} id="f-caller" label=${t('calls.col_caller')} inputmode="tel" ...${input('caller')} />
      <${Field} id="f-from" label=${t('filter.from')} type="date" ...${input('from')} />
      <${Field} id="f-to" label=${t('filter.to')} type="date" ...${input('to')} />
      ${admin ? html`<${Field} id="f-user" label=${t('admin.user_id')} ...${input('user_id')} />` : null}
      ${draft.agent_id ? html`<${Field} id="f-agent" label=${t('calls.col_agent')} ...${input('agent_id')} />` : null}
      <div class="row"><button type="submit">${t('action.filter')}</button><button type="button" class="secondary" onClick=${reset}>${t('action.reset')}</button></div>
    </form>
    <section class="card" aria-label=${t('calls.title')}>
      ${list.error ? html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />`
        : !list.data ? html`<${Loading} />`
        : list.data.items.length === 0 ? html`<${Empty} text=${filters ? t('calls.empty_filtered') : t('calls.empty')} />`
        : html`<${CallsTable} items=${list.data.items} base=${admin ? '/admin/calls' : '/calls'} agentLinks />
            <${CursorPager} total=${list.data.total} totalExact=${list.data.total_exact} limit=${limit} shown=${list.data.items.length}
              nextCursor=${list.data.next_cursor} cursor=${cursor} at=${at} />`}
    </section>`;
}
