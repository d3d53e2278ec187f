// Every owner's agents for admins, filtered by owner, status, sync state and name (all in the
// query string), with view, activate/deactivate and delete.
import { useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { t, dateTime } from '../../lib/i18n.js';
import { useApi, usePollWhile } from '../../lib/use-api.js';
import { setQuery } from '../../lib/router.js';
import { AGENT_STATUS, SYNC_STATE } from '../../lib/agents.js';
import { Loading, ErrorBox, Empty, Pager, PageHead, Field } from '../../components/ui.js';
import { AgentStatus, SyncState, AgentNumber } from '../../components/agent-status.js';
import { AgentActions } from '../../components/agent-actions.js';

const LIMIT = 25;
const FILTERS = ['q', 'user_id', 'status', 'sync_state'];

/** @param {{ query: URLSearchParams }} p */
export default function AdminAgents({ query }) {
  const offset = Number(query.get('offset') ?? 0) || 0;
  const q = new URLSearchParams();
  for (const f of FILTERS) {
    const v = query.get(f);
    if (v) q.set(f, v);
  }
  const filters = q.toString();
  const list = useApi(`/api/admin/agents?${filters}${filters ? '&' : ''}limit=${LIMIT}&offset=${offset}`);
  /** @type {any[]} */
  const items = list.data?.agents ?? [];
  usePollWhile(items.some((a) => a.sync_state === 'pending'), list.reload, list.data);
  const [draft, setDraft] = useState(() => Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])));
  const input = (/** @type {string} */ name) => ({ value: draft[name], onInput: (/** @type {any} */ e) => setDraft({ ...draft, [name]: e.currentTarget.value }) });
  const reset = () => {
    setDraft(Object.fromEntries(FILTERS.map((f) => [f, ''])));
    setQuery(Object.fromEntries([...FILTERS, 'offset'].map((f) => [f, null])));
  };
  return html`
    <${PageHead} title=${t('admin.agents.title')} />
    <form class="card filters" role="search" aria-label=${t('admin.agents.filters')} onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); setQuery({ ...draft, offset: null }); }}>
      <${Field} id="f-q" label=${t('admin.agents.search')} type="search" ...${input('q')} />
      <${Field} id="f-user" label=${t('admin.user_id')} ...${input('user_id')} />
      <${Field} id="f-status" label=${t('agent.status')}>
        <select id="f-status" ...${input('status')}>
          <option value="">${t('calls.all_statuses')}</option>
          ${Object.entries(AGENT_STATUS).map(([k, key]) => html`<option value=${k}>${t(key)}</option>`)}
        </select>
      <//>
      <${Field} id="f-sync" label=${t('agent.sync')}>
        <select id="f-sync" ...${input('sync_state')}>
          <option value="">${t('calls.all_statuses')}</option>
          ${Object.entries(SYNC_STATE).map(([k, key]) => html`<option value=${k}>${t(key)}</option>`)}
        </select>
      <//>
      <div class="row"><button type="submit">${t('action.filter')}</button><button type="button" class="secondary" onClick=${reset}>${t('action.reset')}</button></div>
    </form>
    <section class="card" aria-label=${t('admin.agents.title')}>
      ${list.error ? html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />` : !list.data ? html`<${Loading} />`
        : items.length === 0 ? html`<${Empty} text=${filters ? t('admin.agents.empty_filtered') : t('admin.agents.empty')} />`
        : html`<div class="table-wrap"><table class="responsive" data-testid="admin-agents">
          <thead><tr><th scope="col">${t('field.name')}</th><th scope="col">${t('admin.user_id')}</th><th scope="col">${t('agent.phone_number')}</th>
            <th scope="col">${t('agent.status')}</th><th scope="col">${t('agent.sync')}</th><th scope="col">${t('admin.agents.created')}</th><th scope="col"><span class="sr-only">${t('admin.billing.actions')}</span></th></tr></thead>
          <tbody>${items.map((a) => html`<tr data-agent-id=${a.id}>
            <td data-label=${t('field.name')}><a href=${`/admin/agents/${encodeURIComponent(a.id)}`}>${a.name}</a></td>
            <td data-label=${t('admin.user_id')}><a href=${`?user_id=${encodeURIComponent(a.user_id)}`} title=${t('admin.agents.filter_owner')}><code>${a.user_id}</code></a></td>
            <td data-label=${t('agent.phone_number')}><${AgentNumber} agent=${a} /></td>
            <td data-label=${t('agent.status')}><${AgentStatus} agent=${a} /></td>
            <td data-label=${t('agent.sync')}><${SyncState} agent=${a} /></td>
            <td data-label=${t('admin.agents.created')}>${dateTime(a.created_at)}</td>
            <td><${AgentActions} agent=${a} base="/api/admin/agents" onChanged=${list.reload} onDeleted=${list.reload} /></td>
          </tr>`)}</tbody></table></div>
          <${Pager} total=${list.data.total} limit=${LIMIT} offset=${offset} />`}
    </section>`;
}
