import { html } from '../lib/html.js';
import { t, dateTime } from '../lib/i18n.js';
import { user } from '../lib/session.js';
import { PageHead } from '../components/ui.js';
import { Preferences } from '../components/layout.js';
import { DevMailLink } from '../components/dev-mail-link.js';

export default function Settings() {
  const u = user.value;
  if (!u) return null;
  return html`
    <${PageHead} title=${t('settings.title')} />
    <section class="card" aria-labelledby="profile"><h2 id="profile">${t('settings.profile')}</h2>
      <dl class="facts">
        <dt>${t('field.name')}</dt><dd>${u.name || '–'}</dd>
        <dt>${t('field.email')}</dt><dd>${u.email}</dd>
        <dt>${t('settings.role')}</dt><dd>${u.role === 'admin' ? t('settings.role_admin') : t('settings.role_user')}</dd>
        <dt>${t('settings.member_since')}</dt><dd>${dateTime(u.created_at)}</dd>
      </dl>
      <p class="muted">${t('settings.more_later')}</p>
    </section>
    <section class="card" aria-labelledby="mail-and-systems"><h2 id="mail-and-systems">${t('settings.connections')}</h2>
      <ul class="settings-links">
        <li><a href="/settings/notifications" data-testid="to-notifications">${t('notifications.title')}</a>
          <span class="muted"> – ${t('settings.notifications_hint')}</span></li>
        <li><a href="/settings/webhooks" data-testid="to-webhooks">${t('webhooks.title')}</a>
          <span class="muted"> – ${t('settings.webhooks_hint')}</span></li>
      </ul>
    </section>
    <section class="card" aria-labelledby="display"><h2 id="display">${t('settings.display')}</h2>
      <p class="muted">${t('settings.display_hint')}</p>
      <${Preferences} />
    </section>
    <${DevMailLink} />`;
}
