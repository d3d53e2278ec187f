// Shown on every signed-in page while the owner's e-mail address is unverified: what it blocks
// (agents cannot go live) and a button that sends the link again. A 429 says when to try again.
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useAction } from '../lib/form.js';
import { user } from '../lib/session.js';
import { ErrorBox } from './ui.js';

export function VerifyBanner() {
  const u = user.value;
  const resend = useAction(() => api('/api/auth/verify/resend', { method: 'POST', body: {} }));
  if (!u || u.email_verified !== false) return null;
  return html`<div class="banner warn verify" role="region" aria-label=${t('verify.banner_region')} data-testid="verify-banner">
    <div>
      <strong id="verify-title">${t('verify.banner_title')}</strong>
      <p>${t('verify.banner_text', { email: u.email })}</p>
      ${resend.result ? html`<p role="status" data-testid="verify-sent">${t('verify.sent')}</p>` : null}
      ${resend.error ? html`<${ErrorBox} error=${resend.error} />` : null}
    </div>
    <button type="button" class="secondary" disabled=${resend.busy} onClick=${() => resend.run()} data-testid="verify-resend">
      ${resend.busy ? t('state.sending') : t('verify.resend')}</button>
  </div>`;
}
