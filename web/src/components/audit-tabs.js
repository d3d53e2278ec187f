// The audit area's views: the log of admin actions, the security events, the compliance report.
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { Tabs } from './ui.js';

const TABS = /** @type {const} */ ([
  { href: '/admin/audit', label: 'audit.tab_log' },
  { href: '/admin/audit/security', label: 'audit.tab_security' },
  { href: '/admin/audit/report', label: 'audit.tab_report' },
]);

export function AuditTabs() {
  return html`<${Tabs} label=${t('audit.sections')} tabs=${TABS} />`;
}

/**
 * The API's from/to for the days in the URL (YYYY-MM-DD, the admin's local days): from the start
 * of `from` to the end of `to`.
 * @param {string} from @param {string} to
 */
export function dayRange(from, to) {
  /** @type {Record<string, string>} */
  const out = {};
  if (/^\d{4}-\d{2}-\d{2}$/.test(from)) out.from = new Date(`${from}T00:00:00`).toISOString();
  if (/^\d{4}-\d{2}-\d{2}$/.test(to)) {
    const end = new Date(`${to}T00:00:00`);
    end.setDate(end.getDate() + 1);
    out.to = end.toISOString();
  }
  return out;
}
