// The page behind the link of the verification mail (?token=…): confirms the address once on
// arrival and says what follows. A signed-in owner's banner goes away with the answer.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { user } from '../lib/session.js';
import { Loading, ErrorBox } from '../components/ui.js';

/** @param {{ query: URLSearchParams }} p */
export default function VerifyEmail({ query }) {
  const token = query.get('token') ?? '';
  const [state, setState] = useState(/** @type {{ done: boolean, error: any }} */ ({ done: false, error: null }));
  useEffect(() => {
    if (!token) return;
    let live = true;
    api('/api/auth/verify', { method: 'POST', body: { token }, allowAnonymous: true }).then(
      (body) => {
        if (body?.user && user.value?.id === body.user.id) user.value = { ...user.value, ...body.user };
        if (live) setState({ done: true, error: null });
      },
      (error) => live && setState({ done: false, error }),
    );
    return () => {
      live = false;
    };
  }, [token]);
  const signedIn = Boolean(user.value);
  const invalid = !token || state.error?.code === 'invalid_token';
  return html`<section class="auth-box card">
    <h1>${t('verify.title')}</h1>
    ${state.done
      ? html`<div class="banner ok" role="status" data-testid="verify-done"><p>${t('verify.done')}</p></div>
          <a class="button" href=${signedIn ? '/overview' : '/login'}>${signedIn ? t('verify.to_overview') : t('verify.to_login')}</a>`
      : invalid
        ? html`<div class="form-error" role="alert" data-testid="verify-invalid"><p>${state.error?.message || t('reset.invalid')}</p></div>
            <p class="muted">${signedIn ? t('verify.invalid_signed_in') : t('verify.invalid_hint')}</p>
            <a class="button secondary" href=${signedIn ? '/overview' : '/login'}>${signedIn ? t('verify.to_overview') : t('verify.to_login')}</a>`
        : state.error ? html`<${ErrorBox} error=${state.error} onRetry=${() => window.location.reload()} />`
        : html`<${Loading} />`}
  </section>`;
}
