// Security events of accounts (logins, failed logins, password and status changes, ...).
import { html } from '../lib/html.js';
import { t, dateTime, TIME_ZONE } from '../lib/i18n.js';
import { Empty } from './ui.js';

export const SECURITY_KINDS = /** @type {Record<string, string>} */ ({
  login: 'security_event.login', login_failed: 'security_event.login_failed', logout: 'security_event.logout',
  password_changed: 'security_event.password_changed', password_reset: 'security_event.password_reset',
  status_changed: 'security_event.status_changed', email_verified: 'security_event.email_verified',
  account_deleted: 'security_event.account_deleted', throttled: 'security_event.throttled',
});
const TONE = /** @type {Record<string, string>} */ ({ login_failed: 'warn', throttled: 'danger', status_changed: 'warn', account_deleted: 'danger' });

/** @param {unknown} detail */
function describe(detail) {
  if (detail == null || detail === '') return '';
  if (typeof detail === 'string') return detail;
  if (typeof detail === 'object') return Object.entries(detail).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  return String(detail);
}

/** @param {{ items: any[], withEmail?: boolean }} p */
export function SecurityEvents({ items, withEmail = false }) {
  if (items.length === 0) return html`<${Empty} text=${t('security_event.empty')} />`;
  const time = t('calls.col_time', { tz: TIME_ZONE });
  return html`<div class="table-wrap"><table class="responsive" data-testid="security-events">
    <thead><tr><th scope="col">${time}</th>${withEmail ? html`<th scope="col">${t('field.email')}</th>` : null}<th scope="col">${t('security_event.kind')}</th>
      <th scope="col">${t('audit.ip')}</th><th scope="col">${t('security_event.detail')}</th></tr></thead>
    <tbody>${items.map((e) => html`<tr>
      <td data-label=${time}>${dateTime(e.at)}</td>
      ${withEmail ? html`<td data-label=${t('field.email')}>${e.email || '–'}</td>` : null}
      <td data-label=${t('security_event.kind')}><span class=${`badge ${TONE[e.kind] ?? ''}`}>${SECURITY_KINDS[e.kind] ? t(SECURITY_KINDS[e.kind]) : e.kind}</span></td>
      <td data-label=${t('audit.ip')}>${e.ip || '–'}</td>
      <td data-label=${t('security_event.detail')}>${describe(e.detail)}</td>
    </tr>`)}</tbody>
  </table></div>`;
}
