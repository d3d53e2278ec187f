// Asks for the address and always gives the same answer, whether or not an account has it (the
// platform does the same), so the page cannot be used to find out who is a customer.
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useForm } from '../lib/form.js';
import { Field, ErrorBox } from '../components/ui.js';
import { DevMailLink } from '../components/dev-mail-link.js';

export default function ForgotPassword() {
  const form = useForm({ email: '' });
  const [sentTo, setSentTo] = useState('');
  const onSubmit = form.submit(async (v) => {
    await api('/api/auth/password/forgot', { method: 'POST', body: { email: v.email.trim() }, allowAnonymous: true });
    setSentTo(v.email.trim());
  });
  return html`<section class="auth-box card">
    <h1>${t('forgot.title')}</h1>
    ${sentTo
      ? html`<div class="banner ok" role="status" data-testid="forgot-sent"><p>${t('forgot.sent', { email: sentTo })}</p></div>
          <p class="muted">${t('forgot.sent_hint')}</p>
          <button type="button" class="secondary" onClick=${() => setSentTo('')}>${t('forgot.again')}</button>`
      : html`<p class="muted">${t('forgot.intro')}</p>
          ${form.general ? html`<${ErrorBox} error=${form.general} />` : null}
          <form onSubmit=${onSubmit} novalidate>
            <${Field} id="email" label=${t('field.email')} type="email" autocomplete="email" required ...${form.bind('email')} />
            <button type="submit" disabled=${form.busy || !form.values.email.trim()}>${form.busy ? t('state.sending') : t('forgot.submit')}</button>
          </form>`}
    <p class="muted" style="margin-top:1rem"><a href="/login">${t('forgot.to_login')}</a></p>
  </section>
  <${DevMailLink} />`;
}
