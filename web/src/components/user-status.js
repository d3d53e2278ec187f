// An account's status and role in words (ACTIVE, INACTIVE, SUSPENDED; USER, ADMIN).
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';

export const USER_STATUS = /** @type {Record<string, string>} */ ({ active: 'user.status_active', inactive: 'user.status_inactive', suspended: 'user.status_suspended' });
export const ROLE = /** @type {Record<string, string>} */ ({ user: 'settings.role_user', admin: 'settings.role_admin' });
const TONE = /** @type {Record<string, string>} */ ({ active: 'ok', inactive: '', suspended: 'danger' });

/** @param {{ status: string }} p */
export function UserStatus({ status }) {
  return html`<span class=${`badge ${TONE[status] ?? ''}`} data-testid="user-status">${USER_STATUS[status] ? t(USER_STATUS[status]) : status}</span>`;
}
