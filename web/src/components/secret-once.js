// A secret the platform shows only once (a webhook signing secret, an API key): focus moves to it,
// a copy button, the warning, and a button to close it once it is stored.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';

/**
 * @param {{ secret: string, title: string, notes: string[], label: string, done: string, onDone: () => void,
 *   testid: string, inputId: string }} p
 */
export function SecretOnce({ secret, title, notes, label, done, onDone, testid, inputId }) {
  const [copied, setCopied] = useState(false);
  const box = useRef(/** @type {HTMLDivElement | null} */ (null));
  // The owner must notice it: focus goes to the box, screen readers read its heading.
  useEffect(() => box.current?.focus(), [secret]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return html`<div class="banner warn secret" role="region" aria-labelledby=${`${inputId}-title`} tabindex="-1" ref=${box} data-testid=${testid}>
    <div>
      <h3 id=${`${inputId}-title`}>${title}</h3>
      ${notes.map((n) => html`<p>${n}</p>`)}
      <label for=${inputId}>${label}</label>
      <div class="row">
        <input id=${inputId} class="secret-value" readonly value=${secret} onFocus=${(/** @type {any} */ e) => e.currentTarget.select()} />
        <button type="button" class="secondary" onClick=${copy} data-testid="copy-secret">${t('secret.copy')}</button>
        <span role="status" aria-live="polite">${copied ? t('secret.copied') : ''}</span>
      </div>
    </div>
    <button type="button" onClick=${onDone} data-testid="secret-done">${done}</button>
  </div>`;
}
