// The owner's agents as cards (number, status, sync state, actions) and the unfinished wizard
// drafts. Agent and number events reload the page; while an agent's change is still on its way
// to the live assistant, the page asks again every few seconds.
import { html } from '../lib/html.js';
import { t, dateTime } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useApi, usePollWhile } from '../lib/use-api.js';
import { useLiveEvents } from '../lib/events.js';
import { STEPS, BUSINESS_TYPE } from '../lib/agents.js';
import { Loading, ErrorBox, PageHead, ConfirmButton } from '../components/ui.js';
import { AgentStatus, SyncState, AgentNumber } from '../components/agent-status.js';
import { AgentActions } from '../components/agent-actions.js';

/** @param {{ agent: any, onChanged: () => void }} p */
function AgentCard({ agent, onChanged }) {
  const link = `/agents/${encodeURIComponent(agent.id)}`;
  return html`<article class="card agent-card" aria-labelledby=${`agent-${agent.id}`} data-agent-id=${agent.id}>
    <h2 id=${`agent-${agent.id}`}><a href=${link}>${agent.name}</a></h2>
    <p class="muted">${t(BUSINESS_TYPE[agent.business_type] ?? 'business_type.general')}</p>
    <dl class="facts">
      <dt>${t('agent.phone_number')}</dt><dd><${AgentNumber} agent=${agent} /></dd>
      <dt>${t('agent.status')}</dt><dd><${AgentStatus} agent=${agent} /></dd>
      <dt>${t('agent.sync')}</dt><dd><${SyncState} agent=${agent} /></dd>
    </dl>
    <${AgentActions} agent=${agent} base="/api/agents" onChanged=${onChanged} onDeleted=${onChanged}>
      <a class="button secondary" href=${link} aria-label=${t('agent.edit_named', { name: agent.name })}>${t('action.edit')}</a>
      <a class="button secondary" href=${`${link}?section=test`} aria-label=${t('agent.test_named', { name: agent.name })}>${t('agent.test')}</a>
    <//>
  </article>`;
}

/** @param {{ drafts: any[], onChanged: () => void }} p */
function Drafts({ drafts, onChanged }) {
  return html`<section class="card" aria-labelledby="drafts-title" data-testid="drafts">
    <h2 id="drafts-title">${t('agents.drafts')}</h2>
    <p class="muted">${t('agents.drafts_hint')}</p>
    <ul class="drafts">${drafts.map((d) => {
      const name = d.name || d.state?.name || t('agents.draft_unnamed');
      const step = Math.min(Math.max(Number(d.step) || 1, 1), STEPS.length);
      return html`<li data-draft-id=${d.id}>
        <span><strong>${name}</strong><br /><span class="muted">${t('agents.draft_progress', { n: step, total: STEPS.length, step: t(STEPS[step - 1].title), at: dateTime(d.updated_at) })}</span></span>
        <span class="row">
          <a class="button" href=${`/agents/drafts/${encodeURIComponent(d.id)}?step=${step}`} aria-label=${t('agents.resume_named', { name })}>${t('agents.resume')}</a>
          <${ConfirmButton} label=${t('action.delete')} title=${t('agents.draft_delete_title', { name })} text=${t('agents.draft_delete_text')} confirm=${t('agents.draft_delete_confirm')}
            onConfirm=${async () => { await api(`/api/agents/drafts/${encodeURIComponent(d.id)}`, { method: 'DELETE' }); onChanged(); }} />
        </span>
      </li>`;
    })}</ul>
  </section>`;
}

export default function Agents() {
  const agents = useApi('/api/agents');
  const drafts = useApi('/api/agents/drafts');
  useLiveEvents(['agent.', 'phone_number.'], () => agents.reload());
  /** @type {any[]} */
  const list = agents.data?.agents ?? [];
  usePollWhile(list.some((a) => a.sync_state === 'pending'), agents.reload, agents.data);
  /** @type {any[]} */
  const open = drafts.data?.drafts ?? [];
  return html`
    <${PageHead} title=${t('agents.title')}>
      <a class="button" href="/agents/new" data-testid="new-agent">${t('agents.new')}</a>
    <//>
    ${drafts.error ? html`<${ErrorBox} error=${drafts.error} onRetry=${drafts.reload} />` : open.length ? html`<${Drafts} drafts=${open} onChanged=${drafts.reload} />` : null}
    ${agents.error ? html`<${ErrorBox} error=${agents.error} onRetry=${agents.reload} />`
      : !agents.data ? html`<${Loading} />`
      : list.length === 0 ? html`<section class="card empty-agents">
          <h2>${t('agents.empty_title')}</h2>
          <p>${t('agents.empty_text')}</p>
          <a class="button" href="/agents/new">${t('agents.empty_cta')}</a>
        </section>`
      : html`<div class="grid-2 agents" data-testid="agents">${list.map((a) => html`<${AgentCard} key=${a.id} agent=${a} onChanged=${agents.reload} />`)}</div>`}`;
}
