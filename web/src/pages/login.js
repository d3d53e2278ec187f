import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useForm } from '../lib/form.js';
import { navigate } from '../lib/router.js';
import { user, safeNext } from '../lib/session.js';
import { Field, ErrorBox } from '../components/ui.js';

// Why the person is here again, from the page that sent them (?ended=1, ?reset=1, ?deleted=1).
const NOTICES = /** @type {const} */ ([
  { param: 'ended', text: 'login.notice_ended', kind: 'warn' },
  { param: 'reset', text: 'login.notice_reset', kind: 'ok' },
  { param: 'deleted', text: 'login.notice_deleted', kind: 'ok' },
]);

/** @param {{ query: URLSearchParams }} p */
export default function Login({ query }) {
  const form = useForm({ email: '', password: '' });
  const onSubmit = form.submit(async (v) => {
    const body = await api('/api/auth/login', { method: 'POST', body: v, allowAnonymous: true });
    user.value = body.user;
    navigate(safeNext(query.get('next')), { replace: true });
  });
  const notice = NOTICES.find((n) => query.get(n.param) === '1');
  return html`<section class="auth-box card">
    <h1>${t('login.title')}</h1>
    ${notice && !form.general ? html`<div class=${`banner ${notice.kind}`} role="status" data-testid="login-notice">${t(notice.text)}</div>` : null}
    ${form.general ? html`<${ErrorBox} error=${form.general} />` : null}
    <form onSubmit=${onSubmit} novalidate>
      <${Field} id="email" label=${t('field.email')} type="email" autocomplete="email" required ...${form.bind('email')} />
      <${Field} id="password" label=${t('field.password')} type="password" autocomplete="current-password" required ...${form.bind('password')} />
      <button type="submit" disabled=${form.busy}>${form.busy ? t('state.sending') : t('login.submit')}</button>
    </form>
    <p style="margin-top:1rem"><a href="/forgot-password" data-testid="to-forgot">${t('login.forgot')}</a></p>
    <p class="muted">${t('login.no_account')} <a href="/signup">${t('login.to_signup')}</a></p>
  </section>`;
}
