// Client-side routing on real URLs: the path picks the page, the query string holds filters and
// pagination, so a reload or a shared link shows the same view. Same-origin <a href> clicks are
// handled here; the gateway serves index.html for every client route.
import { signal } from '@preact/signals';

/** @typedef {{ path: string, query: URLSearchParams }} Location */

/** @type {import('@preact/signals').Signal<Location>} */
export const location = signal(current());

function current() {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

let replaced = false;
/** Whether the last change of URL replaced the entry (a redirect or a page updating its own URL). */
export function lastNavigationReplaced() {
  return replaced;
}

/** @param {string} url @param {{ replace?: boolean }} [options] */
export function navigate(url, options = {}) {
  replaced = Boolean(options.replace);
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  location.value = current();
  if (!options.replace) window.scrollTo(0, 0);
}

/**
 * Replaces query parameters (empty values are removed) and keeps the path.
 * @param {Record<string, string | number | null | undefined>} changes
 */
export function setQuery(changes) {
  const q = new URLSearchParams(location.value.query);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, String(v));
  }
  const s = q.toString();
  navigate(location.value.path + (s ? `?${s}` : ''));
}

/**
 * Matches "/calls/:id" against a path.
 * @param {string} pattern @param {string} path
 * @returns {Record<string, string> | null}
 */
export function match(pattern, path) {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  /** @type {Record<string, string>} */
  const params = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return null;
  }
  return params;
}

export function startRouter() {
  window.addEventListener('popstate', () => {
    replaced = false;
    location.value = current();
  });
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = /** @type {Element} */ (e.target).closest('a');
    if (!a || a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname.startsWith('/api/')) return;
    if (url.hash && url.pathname === window.location.pathname && url.search === window.location.search) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
  });
}
