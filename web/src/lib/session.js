// Who is signed in. `user` is undefined while loading, null for visitors.
import { signal } from '@preact/signals';
import { api } from './api.js';
import { navigate } from './router.js';
import { closeEvents } from './events.js';

/**
 * @typedef {{ id: string, email: string, name: string, role: 'user' | 'admin', status: string,
 *   locale: 'de' | 'en', created_at: string }} User
 */

/** @type {import('@preact/signals').Signal<User | null | undefined>} */
export const user = signal(undefined);

export async function loadSession() {
  try {
    const body = await api('/api/auth/me', { allowAnonymous: true });
    user.value = body.user;
  } catch (e) {
    user.value = null;
    if (!(e instanceof Error && 'status' in e && e.status === 401)) throw e;
  }
}

export async function logout() {
  await api('/api/auth/logout', { method: 'POST', allowAnonymous: true });
  closeEvents();
  user.value = null;
  navigate('/login', { replace: true });
}

/** Only relative paths of this app, so a crafted ?next= cannot send people elsewhere. @param {string | null} next */
export function safeNext(next) {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/api/') ? next : '/overview';
}
