// Activate or deactivate, and delete (after a confirmation that says what stays), for the owner's
// agent pages and the admin's; `base` is /api/agents or /api/admin/agents.
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useAction } from '../lib/form.js';
import { ConfirmButton, ErrorBox } from './ui.js';

/**
 * @param {{ agent: any, base: string, onChanged: (agent: any) => void, onDeleted: () => void, children?: any }} p
 */
export function AgentActions({ agent, base, onChanged, onDeleted, children }) {
  const url = `${base}/${encodeURIComponent(agent.id)}`;
  const active = agent.status !== 'inactive';
  const { run: toggle, busy, error } = useAction(async () => onChanged(await api(`${url}/${active ? 'deactivate' : 'activate'}`, { method: 'POST' })));
  return html`<div class="agent-actions">
    <div class="row">
      ${children}
      <button type="button" class="secondary" onClick=${toggle} disabled=${busy} data-testid="toggle-agent"
        aria-label=${t(active ? 'agent.deactivate_named' : 'agent.activate_named', { name: agent.name })}>${t(active ? 'agent.deactivate' : 'agent.activate')}</button>
      <${ConfirmButton} label=${t('action.delete')} title=${t('agent.delete_title', { name: agent.name })} text=${t('agent.delete_text')}
        confirm=${t('agent.delete_confirm')} testid="delete-agent" onConfirm=${async () => { await api(url, { method: 'DELETE' }); onDeleted(); }} />
    </div>
    ${error ? html`<${ErrorBox} error=${error} />` : null}
  </div>`;
}
