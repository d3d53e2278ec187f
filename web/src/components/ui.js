// Small building blocks every page uses: loading, empty and error states, form fields with their
// errors, pagination, status badges.
import { html } from '../lib/html.js';
import { t, number } from '../lib/i18n.js';
import { setQuery } from '../lib/router.js';

export function Loading() {
  return html`<div class="state" role="status" aria-live="polite">${t('state.loading')}</div>`;
}

/** @param {{ text?: string, children?: any }} props */
export function Empty({ text, children }) {
  return html`<div class="state"><p>${text ?? t('state.empty')}</p>${children}</div>`;
}

/** @param {{ error: any, onRetry?: () => void }} props */
export function ErrorBox({ error, onRetry }) {
  return html`<div class="form-error" role="alert">
    <p>${error?.message || t('error.unexpected')}</p>
    ${error?.requestId ? html`<p class="muted">${t('error.request_id')}: <code>${error.requestId}</code></p>` : null}
    ${onRetry ? html`<button class="secondary" onClick=${onRetry}>${t('action.retry')}</button>` : null}
  </div>`;
}

/**
 * A labelled input with its hint and its server-side error next to it.
 * @param {{ id: string, label: string, error?: string, hint?: string, children?: any } & Record<string, any>} props
 */
export function Field({ id, label, error, hint, children, ...input }) {
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${children ?? html`<input id=${id} name=${id} aria-invalid=${error ? 'true' : undefined} aria-describedby=${described} ...${input} />`}
    ${hint ? html`<span class="hint" id=${`${id}-hint`}>${hint}</span>` : null}
    ${error ? html`<span class="error" id=${`${id}-error`}>${error}</span>` : null}
  </div>`;
}

/** Previous/next through `total` items; the offset lives in the query string. @param {{ total: number, limit: number, offset: number }} p */
export function Pager({ total, limit, offset }) {
  if (total <= limit && offset === 0) return null;
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + limit, total);
  return html`<nav class="pager" aria-label=${t('pager.label')}>
    <button class="secondary" disabled=${offset === 0} onClick=${() => setQuery({ offset: Math.max(0, offset - limit) || null })}>${t('pager.previous')}</button>
    <span>${t('pager.range', { from: number(from), to: number(to), total: number(total) })}</span>
    <button class="secondary" disabled=${to >= total} onClick=${() => setQuery({ offset: offset + limit })}>${t('pager.next')}</button>
  </nav>`;
}

const STATUS_CLASS = /** @type {Record<string, string>} */ ({
  completed: 'ok', transferred: 'ok', in_progress: 'warn', ringing: 'warn', escalated: 'warn',
  voicemail: '', failed: 'danger', no_answer: 'danger', busy: 'danger',
});

/** Keys of every call status, spelled out so the i18n test sees them used. */
export const CALL_STATUS = /** @type {Record<string, string>} */ ({
  ringing: 'call.status.ringing', in_progress: 'call.status.in_progress', completed: 'call.status.completed',
  failed: 'call.status.failed', no_answer: 'call.status.no_answer', busy: 'call.status.busy',
  transferred: 'call.status.transferred', escalated: 'call.status.escalated', voicemail: 'call.status.voicemail',
});

/** @param {{ status: string }} p */
export function CallStatus({ status }) {
  return html`<span class=${`badge ${STATUS_CLASS[status] ?? ''}`}>${CALL_STATUS[status] ? t(CALL_STATUS[status]) : status}</span>`;
}

/** @param {{ title: string, children?: any }} p */
export function PageHead({ title, children }) {
  return html`<div class="page-head"><h1>${title}</h1>${children ? html`<div class="row">${children}</div>` : null}</div>`;
}

const REASONS = /** @type {Record<string, string>} */ ({ transfer_requested: 'escalation.reason.transfer_requested' });

/** An escalation reason: the default code in words, a reason the caller gave as it is. @param {string} reason */
export function escalationReason(reason) {
  return REASONS[reason] ? t(REASONS[reason]) : reason;
}
