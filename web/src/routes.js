// The app's pages. The gateway serves index.html for these paths (services/gateway/src/
// static_files.cpp, client_routes()); keep both lists in step.

/** @typedef {'public' | 'user' | 'admin'} Access */
/**
 * @typedef {object} RouteDef
 * @property {string} path
 * @property {Access} access
 * @property {string} title i18n key of the page title
 * @property {() => Promise<{ default: (props: any) => any }>} page
 */

// One loader for both wizard paths, so the page stays mounted when /agents/new becomes the
// draft's URL (app.js keeps a page whose loader did not change).
const wizard = () => import('./pages/agent-wizard.js');
const agentPage = () => import('./pages/agent.js');

/** @type {RouteDef[]} */
export const routes = [
  { path: '/', access: 'public', title: 'landing.title', page: () => import('./pages/landing.js') },
  { path: '/login', access: 'public', title: 'login.title', page: () => import('./pages/login.js') },
  { path: '/signup', access: 'public', title: 'signup.title', page: () => import('./pages/signup.js') },
  { path: '/forgot-password', access: 'public', title: 'forgot.title', page: () => import('./pages/forgot-password.js') },
  { path: '/reset-password', access: 'public', title: 'reset.title', page: () => import('./pages/reset-password.js') },
  { path: '/verify-email', access: 'public', title: 'verify.title', page: () => import('./pages/verify-email.js') },
  { path: '/impressum', access: 'public', title: 'legal.imprint_title', page: () => import('./pages/imprint.js') },
  { path: '/datenschutz', access: 'public', title: 'legal.privacy_title', page: () => import('./pages/privacy.js') },
  { path: '/error', access: 'public', title: 'error.title', page: () => import('./pages/error.js') },
  { path: '/overview', access: 'user', title: 'overview.title', page: () => import('./pages/overview.js') },
  { path: '/agents', access: 'user', title: 'agents.title', page: () => import('./pages/agents.js') },
  { path: '/agents/new', access: 'user', title: 'wizard.title', page: wizard },
  { path: '/agents/drafts/:id', access: 'user', title: 'wizard.title', page: wizard },
  { path: '/agents/:id', access: 'user', title: 'agent.title', page: agentPage },
  { path: '/calls', access: 'user', title: 'calls.title', page: () => import('./pages/calls.js') },
  { path: '/calls/:id', access: 'user', title: 'call.title', page: () => import('./pages/call.js') },
  { path: '/bookings', access: 'user', title: 'bookings.title', page: () => import('./pages/bookings.js') },
  { path: '/escalations', access: 'user', title: 'escalations.title', page: () => import('./pages/escalations.js') },
  { path: '/credits', access: 'user', title: 'credits.title', page: () => import('./pages/credits.js') },
  { path: '/credits/success', access: 'user', title: 'checkout.title', page: () => import('./pages/checkout-success.js') },
  { path: '/integrations', access: 'user', title: 'integrations.title', page: () => import('./pages/integrations.js') },
  { path: '/settings', access: 'user', title: 'settings.title', page: () => import('./pages/settings.js') },
  { path: '/settings/security', access: 'user', title: 'settings.tab_security', page: () => import('./pages/settings-security.js') },
  { path: '/settings/api-keys', access: 'user', title: 'apikeys.title', page: () => import('./pages/api-keys.js') },
  { path: '/settings/privacy', access: 'user', title: 'settings.tab_privacy', page: () => import('./pages/settings-privacy.js') },
  { path: '/settings/notifications', access: 'user', title: 'notifications.title', page: () => import('./pages/notifications.js') },
  { path: '/settings/webhooks', access: 'user', title: 'webhooks.title', page: () => import('./pages/webhooks.js') },
  { path: '/admin', access: 'admin', title: 'admin.title', page: () => import('./pages/admin/stats.js') },
  { path: '/admin/users', access: 'admin', title: 'admin.users.title', page: () => import('./pages/admin/users.js') },
  { path: '/admin/users/:id', access: 'admin', title: 'admin.user.title', page: () => import('./pages/admin/user.js') },
  { path: '/admin/agents', access: 'admin', title: 'admin.agents.title', page: () => import('./pages/admin/agents.js') },
  { path: '/admin/agents/:id', access: 'admin', title: 'agent.title', page: agentPage },
  { path: '/admin/phone-numbers', access: 'admin', title: 'admin.numbers.title', page: () => import('./pages/admin/phone-numbers.js') },
  { path: '/admin/billing', access: 'admin', title: 'admin.billing.title', page: () => import('./pages/admin/billing.js') },
  { path: '/admin/disputes', access: 'admin', title: 'admin.disputes.title', page: () => import('./pages/admin/disputes.js') },
  { path: '/admin/calls', access: 'admin', title: 'admin.calls.title', page: () => import('./pages/calls.js') },
  { path: '/admin/calls/:id', access: 'admin', title: 'call.title', page: () => import('./pages/call.js') },
  { path: '/admin/escalations', access: 'admin', title: 'admin.escalations.title', page: () => import('./pages/escalations.js') },
  { path: '/admin/audit', access: 'admin', title: 'audit.title', page: () => import('./pages/admin/audit.js') },
  { path: '/admin/audit/security', access: 'admin', title: 'audit.tab_security', page: () => import('./pages/admin/security-events.js') },
  { path: '/admin/audit/report', access: 'admin', title: 'audit.report_title', page: () => import('./pages/admin/audit-report.js') },
  { path: '/admin/system', access: 'admin', title: 'system.title', page: () => import('./pages/admin/system.js') },
];

export const notFound = { path: '', access: /** @type {Access} */ ('public'), title: 'notfound.title', page: () => import('./pages/not-found.js') };
