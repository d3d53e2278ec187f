// A table of calls (the list page, the overview's recent calls, the admin's calls).
import { html } from '../lib/html.js';
import { t, dateTime, duration, TIME_ZONE } from '../lib/i18n.js';
import { CallStatus } from './ui.js';

/** `compact` leaves out agent and summary (the overview's half-width card). @param {{ items: any[], base?: string, agentLinks?: boolean, compact?: boolean }} p */
export function CallsTable({ items, base = '/calls', agentLinks = false, compact = false }) {
  return html`<div class="table-wrap"><table class="responsive" data-testid="calls-table">
    <thead><tr>
      <th scope="col">${t('calls.col_time', { tz: TIME_ZONE })}</th>
      <th scope="col">${t('calls.col_caller')}</th>
      ${compact ? null : html`<th scope="col">${t('calls.col_agent')}</th>`}
      <th scope="col">${t('calls.col_status')}</th>
      <th scope="col" class="num">${t('calls.col_duration')}</th>
      ${compact ? null : html`<th scope="col">${t('calls.col_summary')}</th>`}
    </tr></thead>
    <tbody>${items.map((c) => html`<tr data-call-id=${c.id}>
      <td data-label=${t('calls.col_time', { tz: TIME_ZONE })}><a href=${`${base}/${c.id}`}>${dateTime(c.created_at)}</a></td>
      <td data-label=${t('calls.col_caller')}>${c.caller_number || t('call.unknown_caller')}</td>
      ${compact ? null : html`<td data-label=${t('calls.col_agent')}>${agentLinks && c.agent_id ? html`<a href=${`?agent_id=${encodeURIComponent(c.agent_id)}`} title=${t('calls.filter_agent')}>${c.agent_name || c.agent_id}</a>` : c.agent_name || '–'}</td>`}
      <td data-label=${t('calls.col_status')}><${CallStatus} status=${c.status} />${c.test ? html` <span class="badge">${t('call.test')}</span>` : null}</td>
      <td data-label=${t('calls.col_duration')} class="num">${duration(c.duration_seconds)}</td>
      ${compact ? null : html`<td data-label=${t('calls.col_summary')}>${c.summary || ''}</td>`}
    </tr>`)}</tbody>
  </table></div>`;
}
