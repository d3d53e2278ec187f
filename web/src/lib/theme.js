// Light, dark or the system's choice; remembered in localStorage.
import { signal } from '@preact/signals';

/** @typedef {'system' | 'light' | 'dark'} Theme */
const STORAGE_KEY = 'kx.theme';

/** @type {import('@preact/signals').Signal<Theme>} */
export const theme = signal(saved());

/** @returns {Theme} */
function saved() {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    if (v === 'light' || v === 'dark') return v;
  } catch {
    // storage disabled
  }
  return 'system';
}

/** @param {Theme} next */
export function setTheme(next) {
  theme.value = next;
  applyTheme();
  try {
    if (next === 'system') localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // not remembered
  }
}

export function applyTheme() {
  const root = document.documentElement;
  if (theme.value === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme.value;
}

/** Whether dark colours are showing now (for charts). */
export function isDark() {
  return theme.value === 'dark' || (theme.value === 'system' && window.matchMedia('(prefers-color-scheme: dark)').matches);
}
