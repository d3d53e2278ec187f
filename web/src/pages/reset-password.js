// The page behind the link of the reset mail (?token=…): a new password with the same live
// feedback as at sign-up. Afterwards every session of the account has ended, this browser's too,
// so the person signs in again with the new password.
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useForm } from '../lib/form.js';
import { navigate } from '../lib/router.js';
import { user, signedOut } from '../lib/session.js';
import { Field, ErrorBox } from '../components/ui.js';
import { PasswordStrength } from '../components/password-strength.js';

/** @param {{ query: URLSearchParams }} p */
export default function ResetPassword({ query }) {
  const token = query.get('token') ?? '';
  const form = useForm({ password: '', repeat: '' });
  const mismatch = form.values.repeat !== '' && form.values.repeat !== form.values.password;
  const onSubmit = form.submit(async (v) => {
    await api('/api/auth/password/reset', { method: 'POST', body: { token, password: v.password }, allowAnonymous: true });
    if (user.value) signedOut();
    navigate('/login?reset=1', { replace: true });
  });
  const invalid = !token || form.error?.code === 'invalid_token';
  return html`<section class="auth-box card">
    <h1>${t('reset.title')}</h1>
    ${invalid
      ? html`<div class="form-error" role="alert" data-testid="reset-invalid"><p>${form.error?.message || t('reset.invalid')}</p></div>
          <p><a class="button" href="/forgot-password">${t('reset.new_link')}</a></p>`
      : html`<p class="muted">${t('reset.intro')}</p>
          ${form.general ? html`<${ErrorBox} error=${form.general} />` : null}
          <form onSubmit=${onSubmit} novalidate>
            <${Field} id="password" label=${t('reset.password')} type="password" autocomplete="new-password" required hint=${t('signup.password_hint')} ...${form.bind('password')} />
            <${PasswordStrength} password=${form.values.password} email=${user.value?.email ?? ''} />
            <${Field} id="repeat" label=${t('reset.repeat')} type="password" autocomplete="new-password" required ...${form.bind('repeat')} error=${mismatch ? t('reset.mismatch') : undefined} />
            <button type="submit" disabled=${form.busy || !form.values.password || form.values.repeat !== form.values.password}>${form.busy ? t('state.sending') : t('reset.submit')}</button>
          </form>`}
    <p class="muted" style="margin-top:1rem"><a href="/login">${t('forgot.to_login')}</a></p>
  </section>`;
}
