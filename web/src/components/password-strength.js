// Live feedback while a new password is typed (sign-up, reset, change): the score as a bar and in
// words, and the policy's problems, as the server will judge them (lib/password.js).
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { checkPassword, STRENGTH_LABELS } from '../lib/password.js';

/** @param {{ password: string, email: string }} p */
export function PasswordStrength({ password, email }) {
  const strength = checkPassword(password, email);
  return html`<div aria-live="polite" data-testid="strength">
    <div class="strength" data-score=${strength.score} aria-hidden="true"><span style=${`width:${password ? (strength.score + 1) * 20 : 0}%`}></span></div>
    ${password
      ? html`<p class="muted" data-score=${strength.score}>${t('password.strength')}: <strong>${t(STRENGTH_LABELS[strength.score])}</strong></p>
          ${strength.problems.length ? html`<ul class="error">${strength.problems.map((p) => html`<li>${t(p)}</li>`)}</ul>` : null}`
      : null}
  </div>`;
}
