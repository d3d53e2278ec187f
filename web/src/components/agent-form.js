// The wizard's steps as components. The wizard shows one at a time and saves a draft; the agent
// page shows the first five as sections and saves with PATCH. Each step gets the definition, an
// `update` that takes a function of the current definition, and the server's field errors by
// path ("faqs[2].answer"), shown next to the field that has that path.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { useAction } from '../lib/form.js';
import {
  WEEKDAYS, WEEKDAY, BUSINESS_TYPE, TIME_ZONES, MAX_FAQS, MAX_SERVICES, MAX_RANGES, STEPS,
  getPath, setIn, fieldId, keysOf, esc, fieldLabel,
} from '../lib/agents.js';
import { Field, ErrorBox, Loading } from './ui.js';

/** @typedef {import('../lib/agents.js').Definition} Definition */
/**
 * @typedef {{ def: Definition, update: (fn: (d: Definition) => Definition) => void, errors: Record<string, string> }} StepProps
 */

/** @param {string} id @param {string | undefined} hint @param {string | undefined} error */
function describedBy(id, hint, error) {
  return [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
}

/**
 * Props for an input bound to a path of the definition.
 * @param {StepProps} p @param {string} path
 */
function bind({ def, update, errors }, path) {
  return {
    id: fieldId(path),
    value: getPath(def, path) ?? '',
    error: errors[path],
    onInput: (/** @type {any} */ e) => {
      const v = e.currentTarget.value;
      update((d) => setIn(d, keysOf(path), v));
    },
  };
}

/** A labelled textarea with hint and error. @param {{ id: string, label: string, error?: string, hint?: string, value: string, onInput: (e: any) => void, maxlength?: number, rows?: number }} p */
function TextArea({ id, label, error, hint, value, onInput, maxlength, rows = 4 }) {
  return html`<${Field} id=${id} label=${label} error=${error} hint=${hint}>
    <textarea id=${id} name=${id} rows=${rows} maxlength=${maxlength} value=${value} onInput=${onInput}
      aria-invalid=${error ? 'true' : undefined} aria-describedby=${describedBy(id, hint, error)}></textarea>
  <//>`;
}

/** Focuses the input a click has just added, once it is rendered. @param {string} id */
function focusSoon(id) {
  setTimeout(() => document.getElementById(id)?.focus(), 0);
}

/** An error that belongs to a list or a group rather than one input. @param {{ text?: string, id?: string }} p */
function GroupError({ text, id }) {
  return text ? html`<p class="error" id=${id} role="alert">${text}</p>` : null;
}

/**
 * "Mit KI erstellen": asks POST /api/agents/generate for one kind of text and hands the answer on.
 * @param {{ kind: string, label: string, def: Definition, onResult: (r: any) => void, testid?: string }} p
 */
function GenerateButton({ kind, label, def, onResult, testid }) {
  const { run, busy, error } = useAction(async () => {
    const r = await api('/api/agents/generate', {
      method: 'POST',
      body: {
        kind, name: def.name, business_type: def.business_type, language: def.language,
        description: def.business.description, services: def.business.services.filter((s) => s.trim()), assistant_name: def.assistant_name,
      },
    });
    onResult(r);
  });
  return html`<div class="generate">
    <button type="button" class="secondary" onClick=${run} disabled=${busy} aria-busy=${busy ? 'true' : undefined} data-testid=${testid}>
      ${busy ? t('agent.generating') : label}
    </button>
    ${busy ? html`<span class="muted" role="status">${t('agent.generating_hint')}</span>` : null}
    ${error ? html`<${ErrorBox} error=${error} />` : null}
  </div>`;
}

/** The next range after the last one of a day (an hour later, three hours long). @param {import('../lib/agents.js').Range[]} ranges */
function nextRange(ranges) {
  if (ranges.length === 0) return { start: '09:00', end: '18:00' };
  const last = ranges[ranges.length - 1];
  const [h, m] = (last.end || '12:00').split(':').map(Number);
  const at = (/** @type {number} */ hour) => `${String(Math.min(hour, 23)).padStart(2, '0')}:${hour > 23 ? '59' : String(m || 0).padStart(2, '0')}`;
  return { start: at(h + 1), end: at(h + 4) };
}

/** @param {StepProps} p */
function OpeningHours(p) {
  const { def, update, errors } = p;
  const hours = def.business.opening_hours;
  const setDay = (/** @type {string} */ day, /** @type {import('../lib/agents.js').Range[]} */ ranges) =>
    update((d) => setIn(d, ['business', 'opening_hours', day], ranges));
  return html`<fieldset class="hours">
    <legend>${t('agent.opening_hours')}</legend>
    <p class="hint">${t('agent.opening_hours_hint')}</p>
    <${GroupError} text=${errors['business.opening_hours']} />
    ${WEEKDAYS.map((day) => {
      const ranges = hours[day] ?? [];
      const dayName = t(WEEKDAY[day]);
      const path = `business.opening_hours.${day}`;
      return html`<div class="day" role="group" aria-labelledby=${`day-${day}`} data-day=${day}>
        <span class="day-name" id=${`day-${day}`}>${dayName}</span>
        <div class="ranges">
          <label class="check"><input type="checkbox" id=${fieldId(`${path}.closed`)} checked=${ranges.length === 0}
            onChange=${(/** @type {any} */ e) => setDay(day, e.currentTarget.checked ? [] : [nextRange([])])} /> ${t('agent.closed')}</label>
          ${ranges.map((r, i) => html`<div class="range">
            ${(/** @type {const} */ (['start', 'end'])).map((end) => {
              const dash = end === 'end' ? html`<span class="dash" aria-hidden="true">–</span>` : null;
              const fp = `${path}[${i}].${end}`;
              return html`${dash}<span class="time">
                <label class="sr-only" for=${fieldId(fp)}>${t(end === 'start' ? 'agent.range_from' : 'agent.range_to', { day: dayName, n: i + 1 })}</label>
                <span aria-hidden="true" class="muted">${t(end === 'start' ? 'agent.from' : 'agent.to')}</span>
                <input type="time" id=${fieldId(fp)} value=${r[end]} aria-invalid=${errors[fp] ? 'true' : undefined}
                  aria-describedby=${errors[fp] ? `${fieldId(fp)}-error` : undefined}
                  onInput=${(/** @type {any} */ e) => { const v = e.currentTarget.value; update((d) => setIn(d, ['business', 'opening_hours', day, i, end], v)); }} />
                ${errors[fp] ? html`<span class="error" id=${`${fieldId(fp)}-error`}>${errors[fp]}</span>` : null}
              </span>`;
            })}
            <button type="button" class="secondary small" onClick=${() => setDay(day, ranges.filter((_, j) => j !== i))}
              aria-label=${t('agent.remove_range', { day: dayName, n: i + 1 })}>${t('action.remove')}</button>
            <${GroupError} text=${errors[`${path}[${i}]`]} />
          </div>`)}
          ${ranges.length > 0 && ranges.length < MAX_RANGES
            ? html`<button type="button" class="link" onClick=${() => { setDay(day, [...ranges, nextRange(ranges)]); focusSoon(fieldId(`${path}[${ranges.length}].start`)); }}
                aria-label=${t('agent.add_range_on', { day: dayName })}>${t('agent.add_range')}</button>` : null}
          <${GroupError} text=${errors[path]} />
        </div>
      </div>`;
    })}
  </fieldset>`;
}

/** @param {StepProps} p */
function Services(p) {
  const { def, update, errors } = p;
  const services = def.business.services;
  const add = () => {
    update((d) => setIn(d, ['business', 'services'], [...d.business.services, '']));
    focusSoon(fieldId(`business.services[${services.length}]`));
  };
  return html`<fieldset class="list">
    <legend>${t('agent.services')}</legend>
    <p class="hint">${t('agent.services_hint')}</p>
    <div>
      ${services.map((_, i) => html`<div class="service row">
        <${Field} label=${t('agent.service_n', { n: i + 1 })} maxlength="100" ...${bind(p, `business.services[${i}]`)} />
        <button type="button" class="secondary small" onClick=${() => update((d) => setIn(d, ['business', 'services'], d.business.services.filter((_, j) => j !== i)))}
          aria-label=${t('agent.remove_service', { n: i + 1 })}>${t('action.remove')}</button>
      </div>`)}
    </div>
    <${GroupError} text=${errors['business.services']} />
    <button type="button" class="secondary" onClick=${add} disabled=${services.length >= MAX_SERVICES}>${t('agent.add_service')}</button>
  </fieldset>`;
}

/**
 * Step 1: name, description with the detected business type, type, language, opening hours,
 * services, contact. `autoType`: the detected type replaces the selection until the owner picks
 * one (the wizard); otherwise it is offered (the edit page, where a silent change would surprise).
 * @param {StepProps & { autoType?: boolean }} p
 */
export function StepBusiness(p) {
  const { def, update, errors, autoType = false } = p;
  const [detected, setDetected] = useState(/** @type {any} */ (null));
  const chosen = useRef(false);
  const previous = useRef(def.business.description);
  const description = def.business.description;
  useEffect(() => {
    // Only what the owner types is analysed, not the text a resumed draft starts with.
    if (description === previous.current) return undefined;
    previous.current = description;
    if (description.trim().length < 12) return undefined;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api('/api/templates/detect', { method: 'POST', body: { text: description }, signal: controller.signal }).then(
        (r) => {
          setDetected(r);
          if (autoType && !chosen.current && r?.business_type && BUSINESS_TYPE[r.business_type]) {
            update((d) => (d.business_type === r.business_type ? d : { ...d, business_type: r.business_type }));
          }
        },
        () => undefined, // detection is a convenience; the owner can always pick the type
      );
    }, 500);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [description]);
  const suggestion = detected && BUSINESS_TYPE[detected.business_type] ? detected.business_type : null;
  return html`
    <${Field} label=${t('agent.name')} hint=${t('agent.name_hint')} maxlength="100" required autocomplete="organization" ...${bind(p, 'name')} />
    <${TextArea} label=${t('agent.description')} hint=${t('agent.description_hint')} maxlength=${2000} rows=${5} ...${bind(p, 'business.description')} />
    <div class="grid">
      <${Field} id=${fieldId('business_type')} label=${t('agent.business_type')} error=${errors.business_type}>
        <select id=${fieldId('business_type')} value=${def.business_type} aria-describedby="type-detected"
          onChange=${(/** @type {any} */ e) => { chosen.current = true; const v = e.currentTarget.value; update((d) => ({ ...d, business_type: v })); }}>
          ${Object.entries(BUSINESS_TYPE).map(([k, key]) => html`<option value=${k}>${t(key)}</option>`)}
        </select>
      <//>
      <${Field} id=${fieldId('language')} label=${t('agent.language')} error=${errors.language}>
        <select id=${fieldId('language')} value=${def.language} onChange=${(/** @type {any} */ e) => { const v = e.currentTarget.value; update((d) => ({ ...d, language: v })); }}>
          <option value="de">${t('lang.de')}</option>
          <option value="en">${t('lang.en')}</option>
        </select>
      <//>
    </div>
    <p class="hint" id="type-detected" role="status" aria-live="polite" data-testid="type-detected">
      ${suggestion ? html`${t('agent.type_detected', { type: t(BUSINESS_TYPE[suggestion]) })}
        ${suggestion !== def.business_type ? html` <button type="button" class="link" onClick=${() => { chosen.current = true; update((d) => ({ ...d, business_type: suggestion })); }}>${t('agent.type_apply')}</button>` : null}` : null}
    </p>
    <${OpeningHours} ...${p} />
    <${Services} ...${p} />
    <details class="contact" open=${Boolean(def.business.address || def.business.phone || def.business.email || def.business.website || errors['business.phone'] || errors['business.email'])}>
      <summary>${t('agent.contact')}</summary>
      <p class="hint">${t('agent.contact_hint')}</p>
      <div class="grid">
        <${Field} label=${t('agent.address')} autocomplete="street-address" ...${bind(p, 'business.address')} />
        <${Field} label=${t('field.phone')} type="tel" inputmode="tel" autocomplete="tel" ...${bind(p, 'business.phone')} />
        <${Field} label=${t('field.email')} type="email" autocomplete="email" ...${bind(p, 'business.email')} />
        <${Field} label=${t('agent.website')} type="url" inputmode="url" ...${bind(p, 'business.website')} />
      </div>
    </details>`;
}

/** Step 2: FAQ pairs, policies, special instructions; FAQs and policies can be generated. @param {StepProps} p */
export function StepKnowledge(p) {
  const { def, update, errors } = p;
  const faqs = def.faqs;
  const addGenerated = (/** @type {any} */ r) => update((d) => {
    const known = new Set(d.faqs.map((f) => f.question.trim().toLowerCase()));
    const fresh = (r.faqs ?? []).filter((/** @type {any} */ f) => f?.question && !known.has(String(f.question).trim().toLowerCase()));
    const kept = d.faqs.filter((f) => f.question.trim() || f.answer.trim());
    return { ...d, faqs: [...kept, ...fresh.map((/** @type {any} */ f) => ({ question: String(f.question), answer: String(f.answer ?? '') }))].slice(0, MAX_FAQS) };
  });
  return html`
    <fieldset class="list">
      <legend>${t('agent.faqs')}</legend>
      <p class="hint">${t('agent.faqs_hint', { max: MAX_FAQS })}</p>
      ${faqs.length === 0 ? html`<p class="muted">${t('agent.faqs_empty')}</p>` : null}
      <ol class="faqs" data-testid="faqs">${faqs.map((_, i) => html`<li class="faq">
        <${Field} label=${t('agent.question_n', { n: i + 1 })} maxlength="300" ...${bind(p, `faqs[${i}].question`)} />
        <${TextArea} label=${t('agent.answer_n', { n: i + 1 })} maxlength=${1000} rows=${2} ...${bind(p, `faqs[${i}].answer`)} />
        <${GroupError} text=${errors[`faqs[${i}]`]} />
        <button type="button" class="secondary small" onClick=${() => update((d) => ({ ...d, faqs: d.faqs.filter((_, j) => j !== i) }))}
          aria-label=${t('agent.remove_faq', { n: i + 1 })}>${t('action.remove')}</button>
      </li>`)}</ol>
      <${GroupError} text=${errors.faqs} />
      <div class="row">
        <button type="button" class="secondary" disabled=${faqs.length >= MAX_FAQS}
          onClick=${() => { update((d) => ({ ...d, faqs: [...d.faqs, { question: '', answer: '' }] })); focusSoon(fieldId(`faqs[${faqs.length}].question`)); }}>${t('agent.add_faq')}</button>
        <${GenerateButton} kind="faqs" label=${t('agent.generate_faqs')} def=${def} onResult=${addGenerated} testid="generate-faqs" />
      </div>
    </fieldset>
    <${TextArea} label=${t('agent.policies')} hint=${t('agent.policies_hint')} maxlength=${4000} rows=${5} ...${bind(p, 'policies')} />
    <${GenerateButton} kind="policies" label=${t('agent.generate_policies')} def=${def}
      onResult=${(/** @type {any} */ r) => r.policies && update((d) => ({ ...d, policies: String(r.policies) }))} />
    <${TextArea} label=${t('agent.special_instructions')} hint=${t('agent.special_instructions_hint')} maxlength=${2000} rows=${3} ...${bind(p, 'special_instructions')} />`;
}

/** One audio element for every preview, so starting one stops the other. @type {HTMLAudioElement | null} */
let player = null;

/** Step 3: the voices with a preview each. @param {StepProps} p */
export function StepVoice({ def, update, errors }) {
  const voices = useApi('/api/voices');
  const [playing, setPlaying] = useState('');
  const [failed, setFailed] = useState('');
  useEffect(() => () => player?.pause(), []);
  const preview = (/** @type {string} */ id) => {
    setFailed('');
    if (playing === id) {
      player?.pause();
      setPlaying('');
      return;
    }
    player?.pause();
    player = new Audio(`/api/voices/${encodeURIComponent(id)}/preview`);
    player.onended = () => setPlaying('');
    player.onerror = () => {
      setPlaying('');
      setFailed(id);
    };
    setPlaying(id);
    player.play().catch(() => {
      setPlaying('');
      setFailed(id);
    });
  };
  if (voices.error) return html`<${ErrorBox} error=${voices.error} onRetry=${voices.reload} />`;
  if (!voices.data) return html`<${Loading} />`;
  /** @type {any[]} */
  const list = voices.data.voices ?? [];
  const selected = def.voice_id || list.find((v) => v.default)?.id || '';
  return html`<fieldset class="voices" aria-describedby=${errors.voice_id ? `${fieldId('voice_id')}-error` : undefined}>
    <legend>${t('agent.voice')}</legend>
    <p class="hint">${t('agent.voice_hint')}</p>
    <ul class="voice-list">${list.map((v) => html`<li class=${`voice ${selected === v.id ? 'selected' : ''}`}>
      <label class="check">
        <input type="radio" name="voice" value=${v.id} id=${`voice-${v.id}`} checked=${selected === v.id}
          onChange=${() => update((d) => ({ ...d, voice_id: v.id }))} />
        <span><strong>${v.name}</strong>${v.default ? html` <span class="badge">${t('agent.voice_default')}</span>` : null}
          <span class="muted voice-desc">${v.description}</span></span>
      </label>
      <button type="button" class="secondary small" onClick=${() => preview(v.id)} aria-pressed=${playing === v.id ? 'true' : 'false'}
        aria-label=${t(playing === v.id ? 'agent.voice_stop' : 'agent.voice_preview', { name: v.name })}>
        ${playing === v.id ? t('agent.stop') : t('agent.listen')}
      </button>
      ${failed === v.id ? html`<p class="error" role="alert">${t('agent.voice_preview_failed')}</p>` : null}
    </li>`)}</ul>
    ${errors.voice_id ? html`<p class="error" id=${`${fieldId('voice_id')}-error`}>${errors.voice_id}</p>` : null}
  </fieldset>`;
}

/** Step 4: assistant name, greeting and farewell, each text can be generated. @param {StepProps} p */
export function StepGreeting(p) {
  const { def, update } = p;
  return html`
    <${Field} label=${t('agent.assistant_name')} hint=${t('agent.assistant_name_hint')} maxlength="40" ...${bind(p, 'assistant_name')} />
    <${TextArea} label=${t('agent.greeting')} hint=${t('agent.greeting_hint')} maxlength=${500} rows=${3} ...${bind(p, 'greeting')} />
    <${GenerateButton} kind="greeting" label=${t('agent.generate_greeting')} def=${def} testid="generate-greeting"
      onResult=${(/** @type {any} */ r) => r.greeting && update((d) => ({ ...d, greeting: String(r.greeting) }))} />
    <${TextArea} label=${t('agent.farewell')} hint=${t('agent.farewell_hint')} maxlength=${500} rows=${3} ...${bind(p, 'farewell')} />
    <${GenerateButton} kind="farewell" label=${t('agent.generate_farewell')} def=${def}
      onResult=${(/** @type {any} */ r) => r.farewell && update((d) => ({ ...d, farewell: String(r.farewell) }))} />`;
}

/** Step 5: escalation (forwarding numbers, business hours and days), time zone, voicemail. @param {StepProps} p */
export function StepForwarding(p) {
  const { def, update, errors } = p;
  const e = def.escalation;
  const days = e.business_hours.days;
  const zones = TIME_ZONES.includes(def.timezone) ? TIME_ZONES : [def.timezone, ...TIME_ZONES];
  const toggleDay = (/** @type {string} */ day, /** @type {boolean} */ on) => update((d) => setIn(d, ['escalation', 'business_hours', 'days'],
    WEEKDAYS.filter((w) => (w === day ? on : d.escalation.business_hours.days.includes(w)))));
  return html`
    <div class="field"><label class="check"><input type="checkbox" id=${fieldId(esc('enabled'))} checked=${e.enabled}
      onChange=${(/** @type {any} */ ev) => { const v = ev.currentTarget.checked; update((d) => setIn(d, ['escalation', 'enabled'], v)); }} />
      ${t('agent.escalation_enabled')}</label>
      <span class="hint">${t('agent.escalation_hint')}</span></div>
    <div class="grid">
      <${Field} label=${t('agent.forwarding_number')} hint=${t('agent.number_hint')} type="tel" inputmode="tel" autocomplete="tel" ...${bind(p, esc('forwarding_number'))} />
      <${Field} label=${t('agent.fallback_number')} hint=${t('agent.fallback_hint')} type="tel" inputmode="tel" ...${bind(p, esc('fallback_number'))} />
      <${Field} label=${t('agent.after_hours_number')} hint=${t('agent.after_hours_hint')} type="tel" inputmode="tel" ...${bind(p, esc('after_hours_number'))} />
    </div>
    <fieldset class="days">
      <legend>${t('agent.business_days')}</legend>
      <p class="hint">${t('agent.business_days_hint')}</p>
      <div class="row">${WEEKDAYS.map((day) => html`<label class="check"><input type="checkbox" checked=${days.includes(day)}
        onChange=${(/** @type {any} */ ev) => toggleDay(day, ev.currentTarget.checked)} /> ${t(WEEKDAY[day])}</label>`)}</div>
      <${GroupError} text=${errors[esc('business_hours.days')] || errors[esc('business_hours')]} />
      <div class="row">
        <${Field} label=${t('agent.business_start')} type="time" ...${bind(p, esc('business_hours.start'))} />
        <${Field} label=${t('agent.business_end')} type="time" ...${bind(p, esc('business_hours.end'))} />
      </div>
    </fieldset>
    <div class="grid">
      <${Field} id=${fieldId('timezone')} label=${t('agent.timezone')} error=${errors.timezone} hint=${t('agent.timezone_hint')}>
        <select id=${fieldId('timezone')} value=${def.timezone} onChange=${(/** @type {any} */ ev) => { const v = ev.currentTarget.value; update((d) => ({ ...d, timezone: v })); }}
          aria-describedby=${`${fieldId('timezone')}-hint`}>
          ${zones.map((z) => html`<option value=${z}>${z}</option>`)}
        </select>
      <//>
      <${Field} label=${t('agent.max_clarifications')} hint=${t('agent.max_clarifications_hint')} type="number" min="1" max="10" inputmode="numeric"
        ...${bind(p, esc('max_clarifications'))} />
    </div>
    <div class="field"><label class="check"><input type="checkbox" id=${fieldId(esc('voicemail'))} checked=${e.voicemail}
      onChange=${(/** @type {any} */ ev) => { const v = ev.currentTarget.checked; update((d) => setIn(d, ['escalation', 'voicemail'], v)); }} />
      ${t('agent.voicemail')}</label>
      <span class="hint">${t('agent.voicemail_hint')}</span>
      <${GroupError} text=${errors[esc('voicemail')]} /></div>`;
}

/** A summary value, or a muted dash when empty. @param {{ v: any }} p */
function Value({ v }) {
  return v === '' || v == null || (Array.isArray(v) && v.length === 0) ? html`<span class="muted">${t('agent.not_set')}</span>` : html`${v}`;
}

/** Opening hours as text, "Mo 09:00–12:00, 14:00–18:00". @param {Record<string, import('../lib/agents.js').Range[]>} hours */
function hoursText(hours) {
  return WEEKDAYS.map((d) => `${t(WEEKDAY[d])}: ${(hours[d] ?? []).length ? hours[d].map((r) => `${r.start}–${r.end}`).join(', ') : t('agent.closed')}`);
}

/**
 * Step 6: everything at a glance with a link to the step that edits it.
 * @param {{ def: Definition, voices?: any[], stepHref: (n: number) => string }} p
 */
export function Review({ def, voices = [], stepHref }) {
  const e = def.escalation;
  const voice = voices.find((v) => v.id === def.voice_id) ?? voices.find((v) => v.default);
  /** @type {[number, [string, any][]][]} */
  const sections = [
    [1, [['agent.name', def.name], ['agent.business_type', t(BUSINESS_TYPE[def.business_type] ?? 'business_type.general')], ['agent.language', t(def.language === 'en' ? 'lang.en' : 'lang.de')],
      ['agent.description', def.business.description], ['agent.opening_hours', html`<ul class="plain">${hoursText(def.business.opening_hours).map((l) => html`<li>${l}</li>`)}</ul>`],
      ['agent.services', def.business.services.filter((s) => s.trim()).join(', ')]]],
    [2, [['agent.faqs', def.faqs.length ? html`<ol class="plain">${def.faqs.map((f) => html`<li><strong>${f.question}</strong> – ${f.answer}</li>`)}</ol>` : ''],
      ['agent.policies', def.policies], ['agent.special_instructions', def.special_instructions]]],
    [3, [['agent.voice', voice ? voice.name : '']]],
    [4, [['agent.assistant_name', def.assistant_name], ['agent.greeting', def.greeting], ['agent.farewell', def.farewell]]],
    [5, [['agent.escalation_enabled', t(e.enabled ? 'common.yes' : 'common.no')], ['agent.forwarding_number', e.forwarding_number],
      ['agent.fallback_number', e.fallback_number], ['agent.after_hours_number', e.after_hours_number],
      ['agent.business_days', e.business_hours.days.map((d) => t(WEEKDAY[d])).join(', ')],
      ['agent.business_time', `${e.business_hours.start}–${e.business_hours.end}`], ['agent.timezone', def.timezone],
      ['agent.voicemail', t(e.voicemail ? 'common.yes' : 'common.no')], ['agent.max_clarifications', String(e.max_clarifications)]]],
  ];
  return html`<div class="review" data-testid="review">${sections.map(([n, rows]) => html`<section class="review-step" aria-labelledby=${`review-${n}`}>
    <div class="page-head"><h3 id=${`review-${n}`}>${t(STEPS[n - 1].title)}</h3>
      <a href=${stepHref(n)} aria-label=${t('wizard.edit_step', { step: t(STEPS[n - 1].title) })}>${t('action.edit')}</a></div>
    <dl class="facts">${rows.map(([label, v]) => html`<dt>${t(label)}</dt><dd><${Value} v=${v} /></dd>`)}</dl>
  </section>`)}</div>`;
}

/** Every error with the step it is in, for the top of a form. @param {{ errors: Record<string, string>, stepHref: (n: number) => string, stepOf: (path: string) => number }} p */
export function ErrorSummary({ errors, stepHref, stepOf }) {
  const entries = Object.entries(errors);
  if (entries.length === 0) return null;
  return html`<div class="form-error" role="alert" data-testid="error-summary">
    <p>${t('agent.check_fields')}</p>
    <ul>${entries.map(([path, message]) => {
      const label = fieldLabel(path);
      return html`<li><a href=${stepHref(stepOf(path))}>${t(STEPS[stepOf(path) - 1].title)}</a> – ${label ? `${t(label[0], label[1])}: ` : ''}${message}</li>`;
    })}</ul>
  </div>`;
}

/** The step components by number (1..5), for the wizard and the edit page. */
export const STEP_COMPONENTS = /** @type {Record<number, (p: any) => any>} */ ({ 1: StepBusiness, 2: StepKnowledge, 3: StepVoice, 4: StepGreeting, 5: StepForwarding });
