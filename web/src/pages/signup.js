import { html } from '../lib/html.js';
import { t, locale } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useForm } from '../lib/form.js';
import { navigate } from '../lib/router.js';
import { user } from '../lib/session.js';
import { Field, ErrorBox } from '../components/ui.js';
import { PasswordStrength } from '../components/password-strength.js';

export default function Signup() {
  const form = useForm({ name: '', email: '', password: '' });
  const onSubmit = form.submit(async (v) => {
    const body = await api('/api/auth/register', { method: 'POST', body: { ...v, locale: locale.value }, allowAnonymous: true });
    user.value = body.user;
    navigate('/overview', { replace: true });
  });
  const pw = form.bind('password');
  return html`<section class="auth-box card">
    <h1>${t('signup.title')}</h1>
    <p class="muted">${t('signup.intro')}</p>
    ${form.general ? html`<${ErrorBox} error=${form.general} />` : null}
    <form onSubmit=${onSubmit} novalidate>
      <${Field} id="name" label=${t('field.name_optional')} autocomplete="name" ...${form.bind('name')} />
      <${Field} id="email" label=${t('field.email')} type="email" autocomplete="email" required ...${form.bind('email')} />
      <${Field} id="password" label=${t('field.password')} type="password" autocomplete="new-password" required hint=${t('signup.password_hint')} ...${pw} />
      <${PasswordStrength} password=${form.values.password} email=${form.values.email} />
      <button type="submit" disabled=${form.busy}>${form.busy ? t('state.sending') : t('signup.submit')}</button>
    </form>
    <p class="muted" style="margin-top:1rem">${t('signup.have_account')} <a href="/login">${t('signup.to_login')}</a></p>
  </section>`;
}
