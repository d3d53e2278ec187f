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
