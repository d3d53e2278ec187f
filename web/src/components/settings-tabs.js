// The sections of the settings, one page each, so every one has its own URL.
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { Tabs } from './ui.js';

const TABS = /** @type {const} */ ([
  { href: '/settings', label: 'settings.tab_profile' },
  { href: '/settings/security', label: 'settings.tab_security' },
  { href: '/settings/api-keys', label: 'settings.tab_api_keys' },
  { href: '/settings/notifications', label: 'settings.tab_notifications' },
  { href: '/settings/webhooks', label: 'settings.tab_webhooks' },
  { href: '/settings/privacy', label: 'settings.tab_privacy' },
]);

export function SettingsTabs() {
  return html`<${Tabs} label=${t('settings.sections')} tabs=${TABS} />`;
}
