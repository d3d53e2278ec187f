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

const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');
/** The system's choice, followed while the page is open. */
const systemDark = signal(darkQuery.matches);
darkQuery.addEventListener('change', (e) => {
  systemDark.value = e.matches;
});

/** Whether dark colours are showing now (for charts); components reading it redraw on changes. */
export function isDark() {
  return theme.value === 'dark' || (theme.value === 'system' && systemDark.value);
}
