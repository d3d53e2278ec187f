// The one way the dashboard talks to the platform: JSON in and out, the CSRF header on every
// change, the platform's error format as ApiError, and 401 sends the person to the login page
// with a way back.
import { navigate } from './router.js';
import { t } from './i18n.js';

/** @typedef {{ field: string, message: string }} FieldError */

export class ApiError extends Error {
  /**
   * @param {number} status @param {string} code @param {string} message
   * @param {string} [requestId] @param {FieldError[]} [details] @param {any} [body] the whole answer
   *   (a 409 may carry the newer version, e.g. a wizard draft)
   * @param {number | null} [retryAfter] seconds from the Retry-After header of a 429
   */
  constructor(status, code, message, requestId, details, body, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId ?? '';
    this.details = details ?? [];
    this.body = body ?? null;
    this.retryAfter = retryAfter ?? null;
  }

  /** Field name -> message, for showing errors next to their fields. */
  fieldErrors() {
    /** @type {Record<string, string>} */
    const out = {};
    for (const d of this.details) out[d.field] ??= d.message;
    return out;
  }
}

/** @param {string} name */
export function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return '';
}

/**
 * @typedef {object} ApiOptions
 * @property {string} [method]
 * @property {unknown} [body]
 * @property {Record<string, string>} [headers]
 * @property {boolean} [allowAnonymous] a 401 is returned as an error instead of going to login
 * @property {AbortSignal} [signal]
 */

let inflight = 0;
// <html data-loading> while requests are open (and until the render after the last one), so
// tests and assistive tooling can tell a settled page from one that is still updating.
function track(/** @type {number} */ delta) {
  inflight += delta;
  if (inflight > 0) document.documentElement.setAttribute('data-loading', '');
  else setTimeout(() => inflight === 0 && document.documentElement.removeAttribute('data-loading'), 0);
}

/**
 * @param {string} path e.g. "/api/calls?limit=20"
 * @param {ApiOptions} [options]
 * @returns {Promise<any>} the parsed JSON body (null for 204)
 */
export async function api(path, options = {}) {
  const method = options.method ?? 'GET';
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = cookie('kx_csrf');
  track(1);
  try {
    return await request(path, method, headers, options);
  } finally {
    track(-1);
  }
}

/**
 * @param {string} path @param {string} method @param {Record<string, string>} headers
 * @param {ApiOptions} options
 */
async function request(path, method, headers, options) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', t('error.network'));
  }
  const requestId = res.headers.get('X-Request-Id') ?? '';
  const text = await res.text();
  /** @type {any} */
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (res.ok) return body;
  const e = body && body.error;
  const retryAfter = Number.parseInt(res.headers.get('Retry-After') ?? '', 10);
  const err = new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? t('error.unexpected'), e?.request_id ?? requestId, e?.details, body,
    Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : null);
  if (res.status === 401 && !options.allowAnonymous) {
    const back = window.location.pathname + window.location.search;
    navigate(`/login?next=${encodeURIComponent(back)}`, { replace: true });
  }
  throw err;
}

/** A fresh Idempotency-Key for one user action (the same key on retries of that action). */
export function idempotencyKey() {
  return crypto.randomUUID();
}
