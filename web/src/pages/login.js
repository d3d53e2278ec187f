import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useForm } from '../lib/form.js';
import { navigate } from '../lib/router.js';
import { user, safeNext } from '../lib/session.js';
import { Field, ErrorBox } from '../components/ui.js';

/** @param {{ query: URLSearchParams }} p */
export default function Login({ query }) {
  const form = useForm({ email: '', password: '' });
  const onSubmit = form.submit(async (v) => {
    const body = await api('/api/auth/login', { method: 'POST', body: v, allowAnonymous: true });
    user.value = body.user;
    navigate(safeNext(query.get('next')), { replace: true });
  });
  return html`<section class="auth-box card">
    <h1>${t('login.title')}</h1>
    ${form.general ? html`<${ErrorBox} error=${form.general} />` : null}
    <form onSubmit=${onSubmit} novalidate>
      <${Field} id="email" label=${t('field.email')} type="email" autocomplete="email" required ...${form.bind('email')} />
      <${Field} id="password" label=${t('field.password')} type="password" autocomplete="current-password" required ...${form.bind('password')} />
      <button type="submit" disabled=${form.busy}>${form.busy ? t('state.sending') : t('login.submit')}</button>
    </form>
    <p class="muted" style="margin-top:1rem">${t('login.no_account')} <a href="/signup">${t('login.to_signup')}</a></p>
  </section>`;
}
