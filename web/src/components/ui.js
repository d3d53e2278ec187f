// Small building blocks every page uses: loading, empty and error states, form fields with their
// errors, pagination, status badges.
import { useRef, useState, useId, useEffect } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, number } from '../lib/i18n.js';
import { setQuery, location } from '../lib/router.js';

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
    ${error?.retryAfter != null ? html`<p data-testid="retry-after">${t('error.retry_after', { seconds: number(error.retryAfter) })}</p>` : null}
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

/** Cursors of the pages before the current one, so that "Zurück" returns to the page it came from. */
const cursorTrail = /** @type {(string|null)[]} */ ([]);

/**
 * Pages of a keyset-paginated list: `cursor` and `at` (the position of the page's first row) live
 * in the query string. Opened directly on a later page, "Zurück" goes to the first page.
 * @param {{ total: number, totalExact: boolean, limit: number, shown: number, nextCursor: string|null, cursor: string|null, at: number }} p
 */
export function CursorPager({ total, totalExact, limit, shown, nextCursor, cursor, at }) {
  if (!cursor && !nextCursor) return null;
  const to = at + shown;
  const of = totalExact ? number(total) : t('pager.total_more_than', { total: number(total) });
  const previous = () => {
    const back = cursorTrail.pop() ?? null;
    setQuery({ cursor: back, at: back ? Math.max(0, at - limit) || null : null });
  };
  const next = () => {
    cursorTrail.push(cursor);
    setQuery({ cursor: nextCursor, at: to });
  };
  return html`<nav class="pager" aria-label=${t('pager.label')}>
    <button class="secondary" disabled=${!cursor} onClick=${previous}>${t('pager.previous')}</button>
    <span>${t('pager.range', { from: number(shown === 0 ? at : at + 1), to: number(to), total: of })}</span>
    <button class="secondary" disabled=${!nextCursor} onClick=${next}>${t('pager.next')}</button>
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

/**
 * A button that asks in a modal dialog before it acts. The dialog stays open with the error
 * (and its request id) when the action fails.
 * @param {{ label: string, title: string, text: string, confirm: string, onConfirm: () => Promise<void>, danger?: boolean,
 *   className?: string, testid?: string, disabled?: boolean }} p
 */
export function ConfirmButton({ label, title, text, confirm, onConfirm, danger = true, className = 'secondary', testid, disabled }) {
  const dialog = useRef(/** @type {HTMLDialogElement | null} */ (null));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(/** @type {any} */ (null));
  const id = useId();
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      dialog.current?.close();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<button type="button" class=${className} data-testid=${testid} disabled=${disabled} onClick=${() => { setError(null); dialog.current?.showModal(); }}>${label}</button>
    <dialog ref=${dialog} aria-labelledby=${`${id}-t`} aria-describedby=${`${id}-d`} class="confirm">
      <h2 id=${`${id}-t`}>${title}</h2>
      <p id=${`${id}-d`}>${text}</p>
      ${error ? html`<${ErrorBox} error=${error} />` : null}
      <div class="row end">
        <button type="button" class="secondary" onClick=${() => dialog.current?.close()}>${t('action.cancel')}</button>
        <button type="button" class=${danger ? 'danger' : ''} disabled=${busy} onClick=${run}>${busy ? t('state.sending') : confirm}</button>
      </div>
    </dialog>`;
}

/**
 * Links between the views of one area (each view its own URL); the current one is marked.
 * @param {{ label: string, tabs: readonly { href: string, label: string }[] }} p labels are i18n keys
 */
export function Tabs({ label, tabs }) {
  const path = location.value.path;
  const list = useRef(/** @type {HTMLUListElement | null} */ (null));
  // On a phone the tabs scroll sideways: the current one is brought into view.
  useEffect(() => {
    const ul = list.current;
    const current = /** @type {HTMLElement | null | undefined} */ (ul?.querySelector('[aria-current=page]'));
    if (ul && current && (current.offsetLeft < ul.scrollLeft || current.offsetLeft + current.offsetWidth > ul.scrollLeft + ul.clientWidth)) {
      ul.scrollLeft = current.offsetLeft - 16;
    }
  }, [path]);
  return html`<nav class="tabs" aria-label=${label}><ul ref=${list}>
    ${tabs.map((tab) => html`<li><a href=${tab.href} aria-current=${path === tab.href ? 'page' : undefined}>${t(tab.label)}</a></li>`)}
  </ul></nav>`;
}
