// The owner's profile (name, language, time zone; saved with PATCH /api/account/profile), the
// language and theme of this browser, and the way to the e-mail and webhook settings.
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, dateTime, setLocale, LOCALES, TIME_ZONE } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useForm } from '../lib/form.js';
import { user } from '../lib/session.js';
import { PageHead, Field, ErrorBox } from '../components/ui.js';
import { Preferences } from '../components/layout.js';
import { DevMailLink } from '../components/dev-mail-link.js';
import { SettingsTabs } from '../components/settings-tabs.js';

const LANGUAGE_NAMES = /** @type {Record<string, string>} */ ({ de: 'lang.de', en: 'lang.en' });

/** Every IANA zone the browser knows, Europe/Berlin first (most owners are in Germany). @param {string} current */
export function timeZones(current) {
  /** @type {string[]} */
  let all = [];
  try {
    all = Intl.supportedValuesOf('timeZone');
  } catch {
    all = [];
  }
  const rest = all.filter((z) => z !== TIME_ZONE).sort();
  if (current && current !== TIME_ZONE && !rest.includes(current)) rest.unshift(current);
  return [TIME_ZONE, ...rest];
}

/** @param {{ u: import('../lib/session.js').User }} p */
function ProfileForm({ u }) {
  const form = useForm({ name: u.name ?? '', locale: u.locale ?? 'de', time_zone: u.time_zone || TIME_ZONE });
  const [saved, setSaved] = useState(false);
  const zones = timeZones(form.values.time_zone);
  const onSubmit = form.submit(async (v) => {
    setSaved(false);
    const body = await api('/api/account/profile', { method: 'PATCH', body: { name: v.name.trim(), locale: v.locale, time_zone: v.time_zone } });
    user.value = { ...u, ...body.user };
    if (body.user.locale && body.user.locale !== document.documentElement.lang) await setLocale(body.user.locale);
    setSaved(true);
  });
  const bind = (/** @type {'name' | 'locale' | 'time_zone'} */ name) => {
    const b = form.bind(name);
    return { ...b, onInput: (/** @type {any} */ e) => { setSaved(false); b.onInput(e); } };
  };
  return html`<form onSubmit=${onSubmit} novalidate data-testid="profile-form">
    ${form.general ? html`<${ErrorBox} error=${form.general} />` : null}
    <${Field} id="name" label=${t('field.name')} autocomplete="name" maxlength="200" ...${bind('name')} />
    <${Field} id="email-shown" label=${t('field.email')} value=${u.email} readonly hint=${t('settings.email_fixed')} />
    <${Field} id="locale" label=${t('settings.language')} hint=${t('settings.language_hint')} error=${form.bind('locale').error}>
      <select id="locale" aria-describedby="locale-hint" ...${bind('locale')}>
        ${LOCALES.map((l) => html`<option value=${l}>${t(LANGUAGE_NAMES[l])}</option>`)}
      </select>
    <//>
    <${Field} id="time_zone" label=${t('settings.time_zone')} hint=${t('settings.time_zone_hint')} error=${form.bind('time_zone').error}>
      <select id="time_zone" aria-describedby="time_zone-hint" ...${bind('time_zone')}>
        ${zones.map((z) => html`<option value=${z}>${z.replaceAll('_', ' ')}</option>`)}
      </select>
    <//>
    <div class="row">
      <button type="submit" disabled=${form.busy} data-testid="save-profile">${form.busy ? t('state.sending') : t('action.save')}</button>
      <span class=${saved ? 'save-state saved' : 'save-state'} role="status" aria-live="polite" data-testid="profile-state">${saved ? t('state.saved') : ''}</span>
    </div>
  </form>`;
}

export default function Settings() {
  const u = user.value;
  if (!u) return null;
  return html`
    <${PageHead} title=${t('settings.title')} />
    <${SettingsTabs} />
    <div class="grid-2">
      <section class="card" aria-labelledby="profile"><h2 id="profile">${t('settings.profile')}</h2>
        <${ProfileForm} u=${u} />
      </section>
      <div>
        <section class="card" aria-labelledby="account"><h2 id="account">${t('settings.account')}</h2>
          <dl class="facts">
            <dt>${t('settings.role')}</dt><dd>${u.role === 'admin' ? t('settings.role_admin') : t('settings.role_user')}</dd>
            <dt>${t('settings.member_since')}</dt><dd>${dateTime(u.created_at)}</dd>
            <dt>${t('settings.email_state')}</dt><dd data-testid="email-state">${u.email_verified === false ? t('settings.email_unverified') : t('settings.email_verified')}</dd>
          </dl>
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
      </div>
    </div>
    <${DevMailLink} />`;
}
