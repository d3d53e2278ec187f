// Who is signed in. `user` is undefined while loading, null for visitors. While someone is signed
// in, the session is checked every few seconds: a session the platform ended (suspension, a
// password reset, a revoke from another device) takes the page to the login within seconds, and a
// change made elsewhere (the e-mail address verified in another tab) shows without a reload.
import { signal, effect } from '@preact/signals';
import { api } from './api.js';
import { navigate } from './router.js';
import { closeEvents } from './events.js';

/**
 * @typedef {{ id: string, email: string, name: string, role: 'user' | 'admin', status: string,
 *   locale: 'de' | 'en', created_at: string, email_verified?: boolean, time_zone?: string }} User
 */

/** @type {import('@preact/signals').Signal<User | null | undefined>} */
export const user = signal(undefined);

/** How often the session is checked while signed in. */
export const SESSION_CHECK_MS = 5000;

export async function loadSession() {
  try {
    const body = await api('/api/auth/me', { allowAnonymous: true });
    user.value = body.user;
  } catch (e) {
    user.value = null;
    if (!(e instanceof Error && 'status' in e && e.status === 401)) throw e;
  }
}

/** Forgets the signed-in user on this page (after logout, deletion, or a session the platform ended). */
export function signedOut() {
  closeEvents();
  user.value = null;
}

export async function logout() {
  await api('/api/auth/logout', { method: 'POST', allowAnonymous: true });
  signedOut();
  navigate('/login', { replace: true });
}

/** Only relative paths of this app, so a crafted ?next= cannot send people elsewhere. @param {string | null} next */
export function safeNext(next) {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/api/') ? next : '/overview';
}

// A plain fetch, not api(): the check must not mark the page as loading every few seconds. It
// asks for the profile, not /api/auth/me: the gateway limits /api/auth/* per address, and
// colleagues behind one address must not use up each other's logins by leaving tabs open.
async function checkSession() {
  const current = user.value;
  if (!current) return;
  let res;
  try {
    res = await fetch('/api/account/profile', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  } catch {
    return; // offline for a moment: the next check decides
  }
  if (user.value?.id !== current.id) return;
  if (res.status === 401) {
    signedOut();
    const here = window.location.pathname + window.location.search;
    navigate(`/login?ended=1&next=${encodeURIComponent(here)}`, { replace: true });
  } else if (res.ok) {
    const body = await res.json().catch(() => null);
    if (body?.user && JSON.stringify(body.user) !== JSON.stringify(user.value)) user.value = body.user;
  }
}

export function watchSession() {
  /** @type {ReturnType<typeof setInterval> | null} */
  let timer = null;
  effect(() => {
    const signedIn = Boolean(user.value);
    if (signedIn && timer === null) timer = setInterval(checkSession, SESSION_CHECK_MS);
    if (!signedIn && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') checkSession();
  });
}
