// Integrations: the Google card (connect through Google's consent page, status, the call log's
// sheet, disconnect) and the appointment duration the agents book with. Google sends the owner
// back to /integrations?google=<result>; the page shows that result once and drops it from the URL.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, number, dateTime } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { useLiveEvents } from '../lib/events.js';
import { useForm } from '../lib/form.js';
import { navigate } from '../lib/router.js';
import { Loading, ErrorBox, PageHead, Field, ConfirmButton } from '../components/ui.js';

/** The callback's results (docs/api.md, GET /api/integrations/google/callback). */
const RESULTS = /** @type {Record<string, { tone: string, key: string }>} */ ({
  connected: { tone: 'ok', key: 'integrations.result_connected' },
  denied: { tone: 'warn', key: 'integrations.result_denied' },
  invalid_state: { tone: 'danger', key: 'integrations.result_invalid_state' },
  failed: { tone: 'danger', key: 'integrations.result_failed' },
  missing_scopes: { tone: 'danger', key: 'integrations.result_missing_scopes' },
});

const DURATIONS = [15, 20, 30, 45, 60, 90, 120];

// A browser navigation, not fetch: the answer is a redirect to Google and sets the cookie the
// callback checks.
function connect() {
  window.location.assign('/api/integrations/google/connect');
}

/** @param {{ label: string, testid: string }} p */
function ConnectButton({ label, testid }) {
  const [leaving, setLeaving] = useState(false);
  // Back from Google's page, the browser may show this page from its cache, still "leaving".
  useEffect(() => {
    const back = () => setLeaving(false);
    window.addEventListener('pageshow', back);
    return () => window.removeEventListener('pageshow', back);
  }, []);
  return html`<button type="button" data-testid=${testid} disabled=${leaving} onClick=${() => { setLeaving(true); connect(); }}>
    ${leaving ? t('integrations.redirecting') : label}
  </button>`;
}

function NotConnected() {
  return html`<p>${t('integrations.google_intro')}</p>
    <h3>${t('integrations.what_happens')}</h3>
    <ul class="plain">
      <li>${t('integrations.does_calendar')}</li>
      <li>${t('integrations.does_sheet')}</li>
    </ul>
    <h3>${t('integrations.access_title')}</h3>
    <p>${t('integrations.access_intro')}</p>
    <ul class="plain">
      <li>${t('integrations.access_email')}</li>
      <li>${t('integrations.access_events')}</li>
      <li>${t('integrations.access_freebusy')}</li>
      <li>${t('integrations.access_drive')}</li>
    </ul>
    <p class="muted">${t('integrations.revoke_any_time')}</p>
    <div class="row"><${ConnectButton} label=${t('integrations.connect')} testid="google-connect" /></div>`;
}

/** @param {{ google: any, onDisconnect: () => Promise<void> }} p */
function Connected({ google, onDisconnect }) {
  const expired = google.status === 'reconnect_required';
  return html`
    ${expired ? html`<div class="banner warn" role="status" data-testid="google-expired">${t('integrations.expired')}</div>` : null}
    <dl class="facts">
      <dt>${t('integrations.status')}</dt>
      <dd>${expired ? html`<span class="badge warn">${t('integrations.status_reconnect')}</span>` : html`<span class="badge ok" data-testid="google-status">${t('integrations.status_connected')}</span>`}</dd>
      <dt>${t('integrations.account')}</dt><dd data-testid="google-email">${google.google_email || '–'}</dd>
      <dt>${t('integrations.since')}</dt><dd>${dateTime(google.connected_at)}</dd>
      <dt>${t('integrations.calendar')}</dt><dd>${google.calendar_id === 'primary' || !google.calendar_id ? t('integrations.calendar_primary') : google.calendar_id}</dd>
      <dt>${t('integrations.call_log')}</dt>
      <dd>${google.sheet_url
        ? html`<a href=${google.sheet_url} target="_blank" rel="noopener" data-testid="sheet-link">${t('integrations.open_sheet')}<span class="sr-only"> ${t('integrations.new_window')}</span></a>`
        : html`<span class="muted">${t('integrations.sheet_pending')}</span>`}</dd>
    </dl>
    <div class="row agent-actions">
      ${expired ? html`<${ConnectButton} label=${t('integrations.reconnect')} testid="google-reconnect" />` : null}
      <${ConfirmButton} label=${t('integrations.disconnect')} title=${t('integrations.disconnect_title')} text=${t('integrations.disconnect_text')}
        confirm=${t('integrations.disconnect_confirm')} onConfirm=${onDisconnect} testid="google-disconnect" />
    </div>`;
}

function GoogleCard() {
  const google = useApi('/api/integrations/google');
  // Connected in another tab, or Google withdrew the access: the card follows.
  useLiveEvents(['integration.google.'], () => google.reload());
  /** @type {any} */
  const g = google.data;
  const disconnect = async () => {
    await api('/api/integrations/google', { method: 'DELETE' });
    google.reload();
  };
  return html`<section class="card google" aria-labelledby="google-title" data-testid="google-card">
    <h2 id="google-title">${t('integrations.google_title')}</h2>
    ${google.error ? html`<p>${t('integrations.google_load_failed')}</p><${ErrorBox} error=${google.error} onRetry=${google.reload} />`
      : !g ? html`<${Loading} />`
      : g.status === 'connected' || g.status === 'reconnect_required' ? html`<${Connected} google=${g} onDisconnect=${disconnect} />`
      : html`<${NotConnected} />`}
  </section>`;
}

/** @param {{ settings: { duration_minutes: number } }} p */
function DurationForm({ settings }) {
  const form = useForm({ duration_minutes: String(settings.duration_minutes) });
  const [saved, setSaved] = useState(false);
  const onSubmit = form.submit(async (v) => {
    setSaved(false);
    const stored = await api('/api/settings/appointments', { method: 'PUT', body: { duration_minutes: Number(v.duration_minutes) } });
    form.setValues({ duration_minutes: String(stored.duration_minutes) });
    setSaved(true);
  });
  const field = form.bind('duration_minutes');
  // A duration set elsewhere (the API allows every 5 minutes) stays selectable as it is.
  const current = Number(field.value);
  const options = DURATIONS.includes(current) ? DURATIONS : [...DURATIONS, current].sort((a, b) => a - b);
  return html`<form class="duration" onSubmit=${onSubmit} novalidate>
    ${form.general ? html`<${ErrorBox} error=${form.general} />` : null}
    <${Field} id="duration_minutes" label=${t('integrations.duration_label')} hint=${t('integrations.duration_hint')} error=${field.error}>
      <select id="duration_minutes" aria-describedby=${field.error ? 'duration_minutes-hint duration_minutes-error' : 'duration_minutes-hint'}
        aria-invalid=${field.error ? 'true' : undefined} value=${field.value} onChange=${(/** @type {any} */ e) => { setSaved(false); field.onInput(e); }}>
        ${options.map((m) => html`<option value=${String(m)}>${t('integrations.minutes', { n: number(m) })}</option>`)}
      </select>
    <//>
    <div class="row">
      <button type="submit" disabled=${form.busy} data-testid="save-duration">${form.busy ? t('state.sending') : t('action.save')}</button>
      <span class=${saved ? 'save-state saved' : 'save-state'} role="status" aria-live="polite" data-testid="duration-state">${saved ? t('state.saved') : ''}</span>
    </div>
  </form>`;
}

function DurationCard() {
  const settings = useApi('/api/settings/appointments');
  return html`<section class="card" aria-labelledby="duration-title">
    <h2 id="duration-title">${t('integrations.duration_title')}</h2>
    ${settings.error ? html`<p>${t('integrations.duration_load_failed')}</p><${ErrorBox} error=${settings.error} onRetry=${settings.reload} />`
      : !settings.data ? html`<${Loading} />`
      : html`<${DurationForm} settings=${settings.data} />`}
  </section>`;
}

/** @param {{ query: URLSearchParams }} p */
export default function Integrations({ query }) {
  const [result] = useState(() => {
    const code = query.get('google') ?? '';
    return Object.hasOwn(RESULTS, code) ? RESULTS[code] : null;
  });
  useEffect(() => {
    if (!query.has('google')) return;
    const rest = new URLSearchParams(query);
    rest.delete('google');
    const s = rest.toString();
    navigate(`/integrations${s ? `?${s}` : ''}`, { replace: true });
  }, []);
  return html`
    <${PageHead} title=${t('integrations.title')} />
    ${result ? html`<div class=${`banner ${result.tone}`} role=${result.tone === 'ok' ? 'status' : 'alert'} data-testid="google-result">${t(result.key)}</div>` : null}
    <${GoogleCard} />
    <${DurationCard} />`;
}
