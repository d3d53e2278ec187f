// Security events of every account (logins, failed logins, password and status changes, throttling),
// filtered by kind, account and period in the query string.
import { useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { t } from '../../lib/i18n.js';
import { useApi } from '../../lib/use-api.js';
import { setQuery } from '../../lib/router.js';
import { Loading, ErrorBox, Pager, PageHead, Field } from '../../components/ui.js';
import { AuditTabs } from '../../components/audit-tabs.js';
import { dayRange } from '../../lib/audit.js';
import { SecurityEvents, SECURITY_KINDS } from '../../components/security-events.js';

const LIMIT = 25;
const FILTERS = ['kind', 'user_id', 'from', 'to'];

/** @param {{ query: URLSearchParams }} p */
export default function AdminSecurityEvents({ query }) {
  const offset = Number(query.get('offset') ?? 0) || 0;
  const api = new URLSearchParams();
  for (const f of ['kind', 'user_id']) {
    const v = query.get(f);
    if (v) api.set(f, v);
  }
  for (const [k, v] of Object.entries(dayRange(query.get('from') ?? '', query.get('to') ?? ''))) api.set(k, v);
  const selection = api.toString();
  const list = useApi(`/api/admin/security-events?${selection}${selection ? '&' : ''}limit=${LIMIT}&offset=${offset}`);
  const [draft, setDraft] = useState(() => Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])));
  const input = (/** @type {string} */ name) => ({ value: draft[name], onInput: (/** @type {any} */ e) => setDraft({ ...draft, [name]: e.currentTarget.value }) });
  return html`
    <${PageHead} title=${t('audit.title')} />
    <${AuditTabs} />
    <form class="card filters" role="search" aria-label=${t('audit.filters')} onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); setQuery({ ...draft, offset: null }); }}>
      <${Field} id="s-kind" label=${t('security_event.kind')}>
        <select id="s-kind" ...${input('kind')}>
          <option value="">${t('admin.users.all')}</option>
          ${Object.entries(SECURITY_KINDS).map(([k, key]) => html`<option value=${k}>${t(key)}</option>`)}
        </select>
      <//>
      <${Field} id="s-user" label=${t('admin.user_id')} ...${input('user_id')} />
      <${Field} id="s-from" label=${t('audit.from')} type="date" ...${input('from')} />
      <${Field} id="s-to" label=${t('audit.to')} type="date" ...${input('to')} />
      <div class="row"><button type="submit">${t('action.filter')}</button></div>
    </form>
    <section class="card" aria-label=${t('audit.tab_security')}>
      ${list.error ? html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />` : !list.data ? html`<${Loading} />`
        : html`<${SecurityEvents} items=${list.data.items} withEmail /><${Pager} total=${list.data.total ?? list.data.items.length} limit=${LIMIT} offset=${offset} />`}
    </section>`;
}
