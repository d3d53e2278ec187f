// Which e-mails the owner gets: the two opt-in mails as switches saved with PUT
// /api/settings/notifications, the address and language they go to (from the profile, read only),
// and the mails that always come because they concern the account or money.
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { useForm } from '../lib/form.js';
import { Loading, ErrorBox, PageHead } from '../components/ui.js';
import { DevMailLink } from '../components/dev-mail-link.js';
import { SettingsTabs } from '../components/settings-tabs.js';

const OPT_IN = /** @type {const} */ ([
  { name: 'call_summary', label: 'notifications.call_summary', hint: 'notifications.call_summary_hint' },
  { name: 'new_booking', label: 'notifications.new_booking', hint: 'notifications.new_booking_hint' },
]);

const ALWAYS = ['notifications.always_welcome', 'notifications.always_low_balance', 'notifications.always_paused',
  'notifications.always_receipt', 'notifications.always_webhook_disabled'];

const LANGUAGES = /** @type {Record<string, string>} */ ({ de: 'lang.de', en: 'lang.en' });

/** @param {{ settings: { call_summary: boolean, new_booking: boolean } }} p */
function OptInForm({ settings }) {
  const form = useForm({ call_summary: settings.call_summary, new_booking: settings.new_booking });
  const [saved, setSaved] = useState(false);
  const onSubmit = form.submit(async (v) => {
    setSaved(false);
    const stored = await api('/api/settings/notifications', { method: 'PUT', body: { call_summary: v.call_summary, new_booking: v.new_booking } });
    form.setValues({ call_summary: stored.call_summary, new_booking: stored.new_booking });
    setSaved(true);
  });
  return html`<form onSubmit=${onSubmit} novalidate data-testid="notifications-form">
    ${form.general ? html`<${ErrorBox} error=${form.general} />` : null}
    <fieldset>
      <legend>${t('notifications.optional')}</legend>
      ${OPT_IN.map((o) => {
        const field = form.bind(o.name);
        const described = [`${o.name}-hint`, field.error ? `${o.name}-error` : ''].filter(Boolean).join(' ');
        return html`<div class="field">
          <label class="check"><input type="checkbox" id=${o.name} checked=${Boolean(field.value)} aria-describedby=${described}
            aria-invalid=${field.error ? 'true' : undefined} onChange=${(/** @type {any} */ e) => { setSaved(false); field.onInput(e); }} /> ${t(o.label)}</label>
          <span class="hint" id=${`${o.name}-hint`}>${t(o.hint)}</span>
          ${field.error ? html`<span class="error" id=${`${o.name}-error`}>${field.error}</span>` : null}
        </div>`;
      })}
    </fieldset>
    <div class="row">
      <button type="submit" disabled=${form.busy} data-testid="save-notifications">${form.busy ? t('state.sending') : t('action.save')}</button>
      <span class=${saved ? 'save-state saved' : 'save-state'} role="status" aria-live="polite" data-testid="notifications-state">${saved ? t('state.saved') : ''}</span>
    </div>
  </form>`;
}

export default function Notifications() {
  const settings = useApi('/api/settings/notifications');
  /** @type {any} */
  const s = settings.data;
  return html`
    <${PageHead} title=${t('notifications.title')} />
    <${SettingsTabs} />
    <p class="muted">${t('notifications.intro')}</p>
    <section class="card" aria-labelledby="recipient-title">
      <h2 id="recipient-title">${t('notifications.recipient')}</h2>
      ${settings.error ? html`<p>${t('notifications.load_failed')}</p><${ErrorBox} error=${settings.error} onRetry=${settings.reload} />`
        : !s ? html`<${Loading} />`
        : html`<dl class="facts">
            <dt>${t('field.email')}</dt><dd data-testid="notifications-email">${s.email || '–'}</dd>
            <dt>${t('notifications.language')}</dt><dd data-testid="notifications-language">${LANGUAGES[s.language] ? t(LANGUAGES[s.language]) : s.language}</dd>
          </dl>
          <p class="muted">${t('notifications.recipient_hint')}</p>`}
    </section>
    <section class="card" aria-labelledby="optin-title">
      <h2 id="optin-title">${t('notifications.optin_title')}</h2>
      ${settings.error ? html`<p>${t('notifications.load_failed')}</p>`
        : !s ? html`<${Loading} />`
        : html`<${OptInForm} settings=${s} />`}
    </section>
    <section class="card" aria-labelledby="always-title">
      <h2 id="always-title">${t('notifications.always_title')}</h2>
      <p>${t('notifications.always_intro')}</p>
      <ul class="plain">${ALWAYS.map((k) => html`<li>${t(k)}</li>`)}</ul>
    </section>
    <${DevMailLink} />`;
}
