// The audit log of every admin action in every service: search and filters in the query string,
// pages, each entry's before/after, and the same selection as CSV or JSON download.
import { useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { t } from '../../lib/i18n.js';
import { useApi } from '../../lib/use-api.js';
import { setQuery } from '../../lib/router.js';
import { Loading, ErrorBox, Empty, Pager, PageHead, Field } from '../../components/ui.js';
import { AuditTable } from '../../components/audit-table.js';
import { AuditTabs } from '../../components/audit-tabs.js';
import { dayRange } from '../../lib/audit.js';

const LIMIT = 25;
const FILTERS = ['q', 'action', 'admin_id', 'target_type', 'target_id', 'user_id', 'from', 'to'];
const TEXT_FILTERS = /** @type {const} */ ([
  { name: 'action', label: 'audit.action', hint: 'audit.action_hint' },
  { name: 'target_type', label: 'audit.target_type', hint: '' },
  { name: 'target_id', label: 'audit.target_id', hint: '' },
  { name: 'admin_id', label: 'audit.admin_id', hint: '' },
  { name: 'user_id', label: 'admin.user_id', hint: '' },
]);

/** @param {{ query: URLSearchParams }} p */
export default function AdminAudit({ query }) {
  const offset = Number(query.get('offset') ?? 0) || 0;
  const api = new URLSearchParams();
  for (const f of FILTERS) {
    const v = query.get(f);
    if (v && f !== 'from' && f !== 'to') api.set(f, v);
  }
  for (const [k, v] of Object.entries(dayRange(query.get('from') ?? '', query.get('to') ?? ''))) api.set(k, v);
  const selection = api.toString();
  const list = useApi(`/api/admin/audit?${selection}${selection ? '&' : ''}limit=${LIMIT}&offset=${offset}`);
  const [draft, setDraft] = useState(() => Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])));
  const input = (/** @type {string} */ name) => ({ value: draft[name], onInput: (/** @type {any} */ e) => setDraft({ ...draft, [name]: e.currentTarget.value }) });
  const reset = () => {
    setDraft(Object.fromEntries(FILTERS.map((f) => [f, ''])));
    setQuery(Object.fromEntries([...FILTERS, 'offset'].map((f) => [f, null])));
  };
  const suffix = selection ? `?${selection}` : '';
  return html`
    <${PageHead} title=${t('audit.title')}>
      <a class="button secondary" href=${`/api/admin/audit.csv${suffix}`} download data-testid="audit-csv">${t('action.export_csv')}</a>
      <a class="button secondary" href=${`/api/admin/audit.json${suffix}`} download data-testid="audit-json">${t('audit.export_json')}</a>
    <//>
    <${AuditTabs} />
    <form class="card filters" role="search" aria-label=${t('audit.filters')} onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); setQuery({ ...draft, offset: null }); }}>
      <${Field} id="a-q" label=${t('audit.search')} type="search" ...${input('q')} />
      ${TEXT_FILTERS.map((f) => html`<${Field} id=${`a-${f.name}`} label=${t(f.label)} hint=${f.hint ? t(f.hint) : undefined} ...${input(f.name)} />`)}
      <${Field} id="a-from" label=${t('audit.from')} type="date" ...${input('from')} />
      <${Field} id="a-to" label=${t('audit.to')} type="date" ...${input('to')} />
      <div class="row"><button type="submit">${t('action.filter')}</button><button type="button" class="secondary" onClick=${reset}>${t('action.reset')}</button></div>
    </form>
    <section class="card" aria-label=${t('audit.title')}>
      ${list.error ? html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />` : !list.data ? html`<${Loading} />`
        : list.data.items.length === 0 ? html`<${Empty} text=${t('audit.empty')} />`
        : html`<${AuditTable} items=${list.data.items} /><${Pager} total=${list.data.total} limit=${LIMIT} offset=${offset} />`}
    </section>`;
}
