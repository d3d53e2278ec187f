// Every visible string comes from /i18n/<locale>.json. German is the default; the choice is kept
// in localStorage. Numbers, euro amounts and dates are formatted with Intl for the locale.
import { signal } from '@preact/signals';

/** @typedef {'de' | 'en'} Locale */

export const LOCALES = /** @type {const} */ (['de', 'en']);
/** Call times are shown in the owner's time zone; owners have none yet, the APIs default to this. */
export const TIME_ZONE = 'Europe/Berlin';
const STORAGE_KEY = 'kx.locale';

/** @type {import('@preact/signals').Signal<Locale>} */
export const locale = signal(initialLocale());
/** @type {import('@preact/signals').Signal<Record<string, string>>} */
export const messages = signal({});

/** @returns {Locale} */
function initialLocale() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'de' || saved === 'en') return saved;
  } catch {
    // storage may be disabled; German is the default
  }
  return 'de';
}

/** Loads the messages of `next`, then switches to it and remembers it. @param {Locale} next */
export async function setLocale(next) {
  const res = await fetch(`/i18n/${next}.json`);
  if (!res.ok) throw new Error(`i18n ${next}: ${res.status}`);
  messages.value = await res.json();
  locale.value = next;
  document.documentElement.lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // not remembered, still switched
  }
}

/**
 * The message for `key` with {name} placeholders filled in. A missing key shows itself, which
 * the i18n test prevents. A numeric `count` picks the language's plural form: `key.one` where
 * the files have it ("1 Kauf"), else `key` ("3 Käufe"), and is shown formatted for the locale.
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 */
export function t(key, params) {
  let text = messages.value[key] ?? key;
  if (!params) return text;
  const count = params.count;
  if (typeof count === 'number') {
    text = messages.value[`${key}.${new Intl.PluralRules(tag()).select(count)}`] ?? text;
    params = { ...params, count: number(count) };
  }
  const filled = params;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in filled ? String(filled[name]) : `{${name}}`));
}

function tag() {
  return locale.value === 'de' ? 'de-DE' : 'en-GB';
}

/** @param {number} cents */
export function money(cents) {
  return new Intl.NumberFormat(tag(), { style: 'currency', currency: 'EUR' }).format(cents / 100);
}

/** @param {number} n @param {Intl.NumberFormatOptions} [options] */
export function number(n, options) {
  return new Intl.NumberFormat(tag(), options).format(n);
}

/** Date and time in the owner's time zone. @param {string | null | undefined} iso */
export function dateTime(iso) {
  if (!iso) return '–';
  return new Intl.DateTimeFormat(tag(), { dateStyle: 'medium', timeStyle: 'short', timeZone: TIME_ZONE }).format(new Date(iso));
}

/** A time zone Intl knows, else TIME_ZONE (a bad name must not take the page down). @param {string | null | undefined} zone */
function knownZone(zone) {
  if (!zone) return TIME_ZONE;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return TIME_ZONE;
  }
}

/** The day as people say it, "Dienstag, 3. März 2026", in `zone`. @param {string} iso @param {string | null} [zone] */
export function longDate(iso, zone) {
  return new Intl.DateTimeFormat(tag(), { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: knownZone(zone) }).format(new Date(iso));
}

/** The clock time "14:30" in `zone` (the caller adds "Uhr" through a message). @param {string} iso @param {string | null} [zone] */
export function clockTime(iso, zone) {
  return new Intl.DateTimeFormat(tag(), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: knownZone(zone) }).format(new Date(iso));
}

/** A calendar day such as "2026-11-21" (no time zone shift). @param {string} day */
export function day(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Intl.DateTimeFormat(tag(), { day: '2-digit', month: '2-digit', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d));
}

/** @param {number | null | undefined} seconds */
export function duration(seconds) {
  if (seconds == null) return '–';
  const m = Math.floor(seconds / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return `${m}:${s} ${t('unit.minutes_short')}`;
}
