// An agent's state in words: status (with the reason of a pause), phone number (or why it has
// none yet) and whether the live assistant has caught up with the last change.
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { AGENT_STATUS, PAUSED_REASON, SYNC_STATE } from '../lib/agents.js';

const STATUS_BADGE = /** @type {Record<string, string>} */ ({ active: 'ok', inactive: '', paused: 'warn' });
const SYNC_BADGE = /** @type {Record<string, string>} */ ({ synced: 'ok', pending: 'warn', error: 'danger' });

/** @param {{ agent: any }} p */
export function AgentStatus({ agent }) {
  const reason = agent.status === 'paused' && PAUSED_REASON[agent.paused_reason] ? t(PAUSED_REASON[agent.paused_reason]) : '';
  return html`<span class=${`badge ${STATUS_BADGE[agent.status] ?? ''}`} data-testid="agent-status">${AGENT_STATUS[agent.status] ? t(AGENT_STATUS[agent.status]) : agent.status}</span>${reason ? html` <span class="muted">${reason}</span>` : null}`;
}

/** @param {{ agent: any }} p */
export function SyncState({ agent }) {
  return html`<span class=${`badge ${SYNC_BADGE[agent.sync_state] ?? ''}`} data-testid="sync-state">${SYNC_STATE[agent.sync_state] ? t(SYNC_STATE[agent.sync_state]) : agent.sync_state}</span>${agent.sync_state === 'error' && agent.sync_error ? html` <span class="error" role="status">${agent.sync_error}</span>` : null}`;
}

/** The number in international format, or why there is none. @param {{ agent: any }} p */
export function AgentNumber({ agent }) {
  if (agent.phone_number) return html`<a href=${`tel:${agent.phone_number}`} class="number" data-testid="agent-number">${international(agent.phone_number, agent.phone_number_display)}</a>`;
  return html`<span class="muted" data-testid="agent-number">${agent.phone_number_missing === 'pool_empty' ? t('agent.number_waiting') : t('agent.number_none')}</span>`;
}

/**
 * A number as people read it: the server's `display` (grouped by the numbering plan with
 * libphonenumber, "+49 30 1234567") when it sent one, else E.164 with the country code set apart
 * ("+49 301234567"): without the numbering plan the area code is not known, so the rest stays
 * in one piece rather than being split wrongly.
 * @param {string} e164
 * @param {string | null | undefined} [display]
 */
export function international(e164, display = null) {
  if (display) return display;  // the server's, grouped by the numbering plan (libphonenumber)
  const m = /^\+(1|7|2[07]|3[0-469]|4[013-9]|5[1-8]|6[0-6]|8[1246]|9[0-58]|\d{3})(\d+)$/.exec(e164);
  return m ? `+${m[1]} ${m[2]}` : e164;
}
