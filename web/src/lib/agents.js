// What the agent pages share: the definition's shape as the form edits it, the conversion to and
// from the API's JSON (docs/api.md, "Agents"), the step each field belongs to (so a 422 opens the
// step of its first error), and the lookup tables of statuses and business types.

/** @typedef {{ start: string, end: string }} Range */
/**
 * The definition as the form holds it: every field present, phone numbers '' when empty.
 * @typedef {{
 *   name: string, business_type: string, language: string, timezone: string,
 *   business: { description: string, opening_hours: Record<string, Range[]>, services: string[],
 *     address: string, phone: string, email: string, website: string },
 *   faqs: { question: string, answer: string }[], policies: string, special_instructions: string,
 *   voice_id: string, assistant_name: string, greeting: string, farewell: string,
 *   escalation: { enabled: boolean, forwarding_number: string, fallback_number: string, after_hours_number: string,
 *     business_hours: { days: string[], start: string, end: string }, voicemail: boolean, max_clarifications: number } }} Definition
 */

export const WEEKDAYS = /** @type {const} */ (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
export const WEEKDAY = /** @type {Record<string, string>} */ ({
  mon: 'weekday.mon', tue: 'weekday.tue', wed: 'weekday.wed', thu: 'weekday.thu', fri: 'weekday.fri', sat: 'weekday.sat', sun: 'weekday.sun',
});
export const BUSINESS_TYPE = /** @type {Record<string, string>} */ ({
  salon: 'business_type.salon', gastronomy: 'business_type.gastronomy', medical: 'business_type.medical', trades: 'business_type.trades',
  retail: 'business_type.retail', services: 'business_type.services', general: 'business_type.general',
});
export const AGENT_STATUS = /** @type {Record<string, string>} */ ({ active: 'agent.status_active', inactive: 'agent.status_inactive', paused: 'agent.status_paused' });
export const PAUSED_REASON = /** @type {Record<string, string>} */ ({ credits_exhausted: 'agent.paused_credits', account_suspended: 'agent.paused_suspended' });
export const SYNC_STATE = /** @type {Record<string, string>} */ ({ synced: 'agent.sync_synced', pending: 'agent.sync_pending', error: 'agent.sync_error' });
/** Common IANA zones of the businesses Kametrix serves; an agent's own zone is added when missing. */
export const TIME_ZONES = ['Europe/Berlin', 'Europe/Vienna', 'Europe/Zurich', 'Europe/Luxembourg', 'Europe/Amsterdam', 'Europe/Brussels', 'Europe/Paris', 'Europe/London', 'Europe/Rome', 'Europe/Madrid', 'Europe/Warsaw', 'Europe/Istanbul'];
/** A field path inside `escalation` (written this way because "escalation." also starts message keys). @param {string} field */
export const esc = (field) => `escalation.${field}`;
export const PHONE_FIELDS = [esc('forwarding_number'), esc('fallback_number'), esc('after_hours_number'), 'business.phone'];
export const MAX_FAQS = 30;
export const MAX_SERVICES = 50;
export const MAX_RANGES = 3;

/** The wizard's steps; the edit page shows the first five as sections. */
export const STEPS = [
  { n: 1, title: 'wizard.step_business' },
  { n: 2, title: 'wizard.step_knowledge' },
  { n: 3, title: 'wizard.step_voice' },
  { n: 4, title: 'wizard.step_greeting' },
  { n: 5, title: 'wizard.step_forwarding' },
  { n: 6, title: 'wizard.step_review' },
];

/** @returns {Definition} */
export function emptyDefinition() {
  /** @type {Record<string, Range[]>} */
  const hours = {};
  for (const d of WEEKDAYS) hours[d] = d === 'sat' || d === 'sun' ? [] : [{ start: '09:00', end: '18:00' }];
  return {
    name: '', business_type: 'general', language: 'de', timezone: 'Europe/Berlin',
    business: { description: '', opening_hours: hours, services: [], address: '', phone: '', email: '', website: '' },
    faqs: [], policies: '', special_instructions: '', voice_id: '', assistant_name: '', greeting: '', farewell: '',
    escalation: {
      enabled: false, forwarding_number: '', fallback_number: '', after_hours_number: '',
      business_hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' }, voicemail: true, max_clarifications: 3,
    },
  };
}

/**
 * A definition or draft state from the API (any field may be missing) in the form's shape.
 * @param {any} src @returns {Definition}
 */
export function fromWire(src) {
  const d = emptyDefinition();
  if (!src || typeof src !== 'object') return d;
  /** @param {any} v @param {string} fallback */
  const str = (v, fallback = '') => (typeof v === 'string' ? v : v == null ? fallback : String(v));
  for (const k of /** @type {const} */ (['name', 'business_type', 'language', 'timezone', 'policies', 'special_instructions', 'voice_id', 'assistant_name', 'greeting', 'farewell'])) {
    if (src[k] != null) d[k] = str(src[k]);
  }
  const b = src.business ?? {};
  for (const k of /** @type {const} */ (['description', 'address', 'phone', 'email', 'website'])) if (b[k] != null) d.business[k] = str(b[k]);
  if (Array.isArray(b.services)) d.business.services = b.services.map((/** @type {any} */ s) => str(s));
  if (b.opening_hours && typeof b.opening_hours === 'object') {
    for (const day of WEEKDAYS) {
      const ranges = b.opening_hours[day];
      d.business.opening_hours[day] = Array.isArray(ranges) ? ranges.map((/** @type {any} */ r) => ({ start: str(r?.start), end: str(r?.end) })) : [];
    }
  }
  if (Array.isArray(src.faqs)) d.faqs = src.faqs.map((/** @type {any} */ f) => ({ question: str(f?.question), answer: str(f?.answer) }));
  const e = src.escalation ?? {};
  if (typeof e.enabled === 'boolean') d.escalation.enabled = e.enabled;
  if (typeof e.voicemail === 'boolean') d.escalation.voicemail = e.voicemail;
  if (Number.isFinite(e.max_clarifications)) d.escalation.max_clarifications = e.max_clarifications;
  for (const k of /** @type {const} */ (['forwarding_number', 'fallback_number', 'after_hours_number'])) d.escalation[k] = str(e[k]);
  const h = e.business_hours ?? {};
  if (Array.isArray(h.days)) d.escalation.business_hours.days = h.days.map((/** @type {any} */ x) => str(x));
  if (h.start != null) d.escalation.business_hours.start = str(h.start);
  if (h.end != null) d.escalation.business_hours.end = str(h.end);
  return d;
}

/**
 * The form's definition as the API takes it: empty phone numbers are null (no number), empty
 * service lines are left out.
 * @param {Definition} d
 */
export function toWire(d) {
  const orNull = (/** @type {string} */ s) => (s.trim() === '' ? null : s);
  return {
    ...d,
    business: { ...d.business, phone: orNull(d.business.phone), services: d.business.services.filter((s) => s.trim() !== '') },
    escalation: {
      ...d.escalation,
      forwarding_number: orNull(d.escalation.forwarding_number),
      fallback_number: orNull(d.escalation.fallback_number),
      after_hours_number: orNull(d.escalation.after_hours_number),
      max_clarifications: Number(d.escalation.max_clarifications),
    },
  };
}

/** "faqs[2].answer" -> ['faqs', 2, 'answer'], the paths of the API's field errors. @param {string} path */
export function keysOf(path) {
  return path.split(/[.[\]]+/).filter(Boolean).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
}

/** The value at a field path (escalation.forwarding_number, faqs[2].answer). @param {any} obj @param {string} path */
export function getPath(obj, path) {
  return keysOf(path).reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

/**
 * A copy of `obj` with the value at `keys` replaced (copies only along the path).
 * @template T @param {T} obj @param {(string | number)[]} keys @param {any} value @returns {T}
 */
export function setIn(obj, keys, value) {
  if (keys.length === 0) return value;
  const [k, ...rest] = keys;
  const src = /** @type {any} */ (obj);
  const copy = Array.isArray(src) ? [...src] : { ...src };
  copy[k] = setIn(src?.[k], rest, value);
  return copy;
}

/** The step (1..5) a field path belongs to; 6 for anything else. @param {string} path */
export function stepOfPath(path) {
  const top = path.split(/[.[]/)[0];
  if (['name', 'business_type', 'language', 'business'].includes(top)) return 1;
  if (['faqs', 'policies', 'special_instructions'].includes(top)) return 2;
  if (top === 'voice_id') return 3;
  if (['assistant_name', 'greeting', 'farewell'].includes(top)) return 4;
  if (['escalation', 'timezone'].includes(top)) return 5;
  return 6;
}

/** The id of the input that shows a field path ("faqs[2].answer" -> "f-faqs-2-answer"). @param {string} path */
export function fieldId(path) {
  return `f-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '')}`;
}

/**
 * Takes over the server's E.164 form of the phone numbers that were sent as typed and have not
 * been changed since, except in the field being typed in.
 * @param {Definition} local @param {Definition} sent @param {Definition} server
 */
export function adoptNormalised(local, sent, server) {
  let out = local;
  for (const path of PHONE_FIELDS) {
    const mine = getPath(local, path);
    const theirs = getPath(server, path);
    if (mine === getPath(sent, path) && theirs && theirs !== mine && document.activeElement?.id !== fieldId(path)) {
      out = setIn(out, keysOf(path), theirs);
    }
  }
  return out;
}

/** The top-level fields that differ, for PATCH. @param {Definition} before @param {Definition} after */
export function changedFields(before, after) {
  const a = /** @type {Record<string, any>} */ (toWire(before));
  const b = /** @type {Record<string, any>} */ (toWire(after));
  /** @type {Record<string, any>} */
  const out = {};
  for (const k of Object.keys(b)) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out[k] = b[k];
  return out;
}

// The label of each field, for the list of errors above the form (the API's messages name no
// field: "ist erforderlich"). Paths are matched with their list indexes taken out.
const FIELD_LABELS = /** @type {[RegExp, string][]} */ ([
  [/^name$/, 'agent.name'], [/^business_type$/, 'agent.business_type'], [/^language$/, 'agent.language'],
  [/^business\.description$/, 'agent.description'], [/^business\.opening_hours/, 'agent.opening_hours'],
  [/^business\.services/, 'agent.services'], [/^business\.address$/, 'agent.address'], [/^business\.phone$/, 'field.phone'],
  [/^business\.email$/, 'field.email'], [/^business\.website$/, 'agent.website'],
  [/^faqs\[\d+\]\.question$/, 'agent.question_n'], [/^faqs\[\d+\]\.answer$/, 'agent.answer_n'], [/^faqs/, 'agent.faqs'],
  [/^policies$/, 'agent.policies'], [/^special_instructions$/, 'agent.special_instructions'], [/^voice_id$/, 'agent.voice'],
  [/^assistant_name$/, 'agent.assistant_name'], [/^greeting$/, 'agent.greeting'], [/^farewell$/, 'agent.farewell'],
  [/^escalation\.enabled$/, 'agent.escalation_enabled'], [/^escalation\.forwarding_number$/, 'agent.forwarding_number'],
  [/^escalation\.fallback_number$/, 'agent.fallback_number'], [/^escalation\.after_hours_number$/, 'agent.after_hours_number'],
  [/^escalation\.business_hours\.start$/, 'agent.business_start'], [/^escalation\.business_hours\.end$/, 'agent.business_end'],
  [/^escalation\.business_hours/, 'agent.business_days'], [/^escalation\.voicemail$/, 'agent.voicemail'],
  [/^escalation\.max_clarifications$/, 'agent.max_clarifications'], [/^timezone$/, 'agent.timezone'],
]);

/**
 * The i18n key and parameters of the label of a field path ("faqs[2].answer" -> answer 3).
 * @param {string} path @returns {[string, Record<string, number>] | null}
 */
export function fieldLabel(path) {
  const found = FIELD_LABELS.find(([re]) => re.test(path));
  if (!found) return null;
  const index = /^faqs\[(\d+)\]/.exec(path);
  return [found[1], { n: index ? Number(index[1]) + 1 : 0 }];
}
