// The owner's outgoing webhooks: endpoints with their event types and state, a form to add one,
// the signing secret shown once (after creating and after rotating), test event, switching on
// and off, deleting, and per endpoint the delivery log with each attempt's request and response
// and "Erneut senden".
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, locale, dateTime, number } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useApi, usePollWhile } from '../lib/use-api.js';
import { useForm, useAction } from '../lib/form.js';
import { Loading, ErrorBox, Empty, PageHead, ConfirmButton } from '../components/ui.js';
import { SecretOnce } from '../components/secret-once.js';
import { SettingsTabs } from '../components/settings-tabs.js';

/** @typedef {{ type: string, description: Record<string, string> }} EventType */

const DELIVERY_STATE = /** @type {Record<string, { key: string, tone: string }>} */ ({
  pending: { key: 'webhooks.state_pending', tone: 'warn' },
  delivered: { key: 'webhooks.state_delivered', tone: 'ok' },
  failed: { key: 'webhooks.state_failed', tone: 'danger' },
});

/** @param {EventType} type */
function describe(type) {
  return type.description[locale.value] ?? type.description.de ?? '';
}

/** @param {{ types: EventType[], selected: string[], onChange: (types: string[]) => void, error?: string, idPrefix: string }} p */
function EventTypeChoice({ types, selected, onChange, error, idPrefix }) {
  const toggle = (/** @type {string} */ type, /** @type {boolean} */ on) =>
    onChange(on ? [...selected, type] : selected.filter((s) => s !== type));
  return html`<fieldset aria-describedby=${error ? `${idPrefix}-types-error` : undefined}>
    <legend>${t('webhooks.event_types')}</legend>
    <ul class="event-types">
      ${types.map((ty) => html`<li>
        <label class="check"><input type="checkbox" checked=${selected.includes(ty.type)} onChange=${(/** @type {any} */ e) => toggle(ty.type, e.currentTarget.checked)}
          aria-describedby=${`${idPrefix}-${ty.type}-d`} /> <code>${ty.type}</code></label>
        <span class="hint" id=${`${idPrefix}-${ty.type}-d`}>${describe(ty)}</span>
      </li>`)}
    </ul>
    ${error ? html`<span class="error" id=${`${idPrefix}-types-error`}>${error}</span>` : null}
  </fieldset>`;
}

/** The first error of `event_types` or one of its items (`event_types[2]`). @param {Record<string, string>} fields */
function typesError(fields) {
  const key = Object.keys(fields).find((k) => k === 'event_types' || k.startsWith('event_types['));
  return key ? fields[key] : undefined;
}

/** @param {{ types: EventType[], onCreated: (endpoint: any) => void }} p */
function CreateForm({ types, onCreated }) {
  const form = useForm({ url: '', description: '', event_types: /** @type {string[]} */ ([]), enabled: true });
  const fields = form.error ? form.error.fieldErrors() : {};
  const onSubmit = form.submit(async (v) => {
    const created = await api('/api/webhooks/endpoints', { method: 'POST', body: v });
    form.setValues({ url: '', description: '', event_types: [], enabled: true });
    onCreated(created);
  });
  const url = form.bind('url');
  const description = form.bind('description');
  // event_types[1] is a field of this form too: no general error box for it.
  const general = form.error && form.error.details.some((d) => !(d.field in form.values) && !d.field.startsWith('event_types[')) ? form.error
    : form.error && form.error.details.length === 0 ? form.error : null;
  return html`<form onSubmit=${onSubmit} novalidate data-testid="webhook-create">
    ${general ? html`<${ErrorBox} error=${general} />` : null}
    <div class="field">
      <label for="webhook-url">${t('webhooks.url')}</label>
      <input id="webhook-url" type="url" inputmode="url" autocomplete="off" placeholder="https://" value=${url.value} onInput=${url.onInput}
        aria-invalid=${url.error ? 'true' : undefined} aria-describedby=${url.error ? 'webhook-url-hint webhook-url-error' : 'webhook-url-hint'} />
      <span class="hint" id="webhook-url-hint">${t('webhooks.url_hint')}</span>
      ${url.error ? html`<span class="error" id="webhook-url-error">${url.error}</span>` : null}
    </div>
    <div class="field">
      <label for="webhook-description">${t('webhooks.description')}</label>
      <input id="webhook-description" maxlength="500" value=${description.value} onInput=${description.onInput}
        aria-invalid=${description.error ? 'true' : undefined} aria-describedby=${description.error ? 'webhook-description-hint webhook-description-error' : 'webhook-description-hint'} />
      <span class="hint" id="webhook-description-hint">${t('webhooks.description_hint')}</span>
      ${description.error ? html`<span class="error" id="webhook-description-error">${description.error}</span>` : null}
    </div>
    <${EventTypeChoice} types=${types} selected=${form.values.event_types} idPrefix="new" error=${typesError(fields)}
      onChange=${(/** @type {string[]} */ event_types) => form.setValues({ ...form.values, event_types })} />
    <div class="field"><label class="check"><input type="checkbox" checked=${form.values.enabled}
      onChange=${(/** @type {any} */ e) => form.setValues({ ...form.values, enabled: e.currentTarget.checked })} /> ${t('webhooks.enabled_on_create')}</label></div>
    <div class="row"><button type="submit" disabled=${form.busy} data-testid="webhook-submit">${form.busy ? t('state.sending') : t('webhooks.create')}</button></div>
  </form>`;
}

/** @param {{ endpoint: any }} p */
function EndpointStatus({ endpoint: e }) {
  if (!e.enabled) {
    return e.disabled_reason === 'failing'
      ? html`<span class="badge danger" data-testid="endpoint-status">${t('webhooks.status_auto_disabled')}</span>`
      : html`<span class="badge" data-testid="endpoint-status">${t('webhooks.status_disabled')}</span>`;
  }
  return e.failing_since
    ? html`<span class="badge warn" data-testid="endpoint-status">${t('webhooks.status_failing', { since: dateTime(e.failing_since) })}</span>`
    : html`<span class="badge ok" data-testid="endpoint-status">${t('webhooks.status_active')}</span>`;
}

/** "name: value" lines of a JSON object of headers. @param {unknown} headers */
function headerLines(headers) {
  if (!headers || typeof headers !== 'object') return '';
  return Object.entries(headers).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n');
}

/** Pretty JSON when it is JSON, else the text as it is. @param {string | null | undefined} text */
function pretty(text) {
  if (!text) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** @param {number | null | undefined} ms */
function millis(ms) {
  return ms == null ? '–' : t('webhooks.ms', { n: number(ms) });
}

/** @param {{ delivery: any, onClose: () => void, onReplayed: () => void, canReplay: boolean }} p */
function DeliveryDialog({ delivery: d, onClose, onReplayed, canReplay }) {
  const dialog = useRef(/** @type {HTMLDialogElement | null} */ (null));
  const replay = useAction(() => api(`/api/webhooks/deliveries/${d.id}/replay`, { method: 'POST', body: {} }));
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  /** @type {any[]} */
  const attempts = d.attempt_log ?? [];
  const state = DELIVERY_STATE[d.state];
  return html`<dialog ref=${dialog} class="confirm delivery" aria-labelledby="delivery-title" onClose=${onClose} data-testid="delivery-detail">
    <h2 id="delivery-title">${t('webhooks.delivery_title', { type: d.event_type })}</h2>
    <dl class="facts">
      <dt>${t('webhooks.col_time')}</dt><dd>${dateTime(d.created_at)}</dd>
      <dt>${t('webhooks.col_state')}</dt><dd><span class=${`badge ${state?.tone ?? ''}`}>${state ? t(state.key) : d.state}</span></dd>
      <dt>${t('webhooks.message_id')}</dt><dd><code>${d.message_id}</code></dd>
      ${d.next_attempt_at && d.state === 'pending' ? html`<dt>${t('webhooks.next_attempt')}</dt><dd>${dateTime(d.next_attempt_at)}</dd>` : null}
    </dl>
    <h3>${t('webhooks.request_body')}</h3>
    <pre class="payload" tabindex="0" data-testid="delivery-payload">${pretty(d.payload)}</pre>
    ${attempts.length === 0 ? html`<p class="muted">${t('webhooks.no_attempts')}</p>`
      : attempts.map((a) => html`<section class="attempt" aria-label=${t('webhooks.attempt_n', { n: a.attempt })}>
          <h3>${t('webhooks.attempt_n', { n: a.attempt })} · ${dateTime(a.started_at)}</h3>
          <dl class="facts">
            <dt>${t('webhooks.col_status')}</dt><dd>${a.response_status ?? '–'}</dd>
            <dt>${t('webhooks.col_duration')}</dt><dd>${millis(a.duration_ms)}</dd>
            ${a.error ? html`<dt>${t('webhooks.error')}</dt><dd class="error">${a.error}</dd>` : null}
          </dl>
          <h4>${t('webhooks.request_headers')}</h4>
          <pre class="payload" tabindex="0">${headerLines(a.request_headers)}</pre>
          <h4>${t('webhooks.response_body')}</h4>
          ${a.response_body ? html`<pre class="payload" tabindex="0" data-testid="delivery-response">${a.response_body}</pre>` : html`<p class="muted">${t('webhooks.no_response_body')}</p>`}
        </section>`)}
    ${replay.error ? html`<${ErrorBox} error=${replay.error} />` : null}
    <p role="status" aria-live="polite">${replay.result ? t('webhooks.replayed') : ''}</p>
    <div class="row end">
      <button type="button" class="secondary" onClick=${() => dialog.current?.close()}>${t('action.close')}</button>
      ${canReplay ? html`<button type="button" disabled=${replay.busy} data-testid="replay"
          onClick=${async () => { if (await replay.run()) onReplayed(); }}>${replay.busy ? t('state.sending') : t('webhooks.replay')}</button>` : null}
    </div>
  </dialog>`;
}

/** The newest attempt of a delivery. @param {any} d */
function lastAttempt(d) {
  const log = d.attempt_log ?? [];
  return log.length ? log[log.length - 1] : null;
}

/** @param {{ endpoint: any, refresh: number }} p */
function DeliveryLog({ endpoint, refresh }) {
  const list = useApi(`/api/webhooks/endpoints/${endpoint.id}/deliveries?limit=20`);
  // A test event sent while the log is open shows up at once.
  useEffect(() => {
    if (refresh > 0) list.reload();
  }, [refresh]);
  const [open, setOpen] = useState(/** @type {string | null} */ (null));
  /** @type {any} */
  const d = list.data;
  const pending = Boolean(d?.deliveries.some((/** @type {any} */ x) => x.state === 'pending'));
  // Attempts go out within seconds; the log (and an open detail) follows until nothing is on its way.
  usePollWhile(pending, list.reload, d);
  const shown = d?.deliveries.find((/** @type {any} */ x) => x.id === open);
  return html`<div class="delivery-log" data-testid="delivery-log">
    <h3>${t('webhooks.log_title')}</h3>
    ${list.error ? html`<p>${t('webhooks.log_failed')}</p><${ErrorBox} error=${list.error} onRetry=${list.reload} />`
      : !d ? html`<${Loading} />`
      : d.deliveries.length === 0 ? html`<${Empty} text=${t('webhooks.log_empty')} />`
      : html`<div class="table-wrap"><table class="responsive">
          <caption class="sr-only">${t('webhooks.log_caption', { url: endpoint.url })}</caption>
          <thead><tr>
            <th scope="col">${t('webhooks.col_time')}</th>
            <th scope="col">${t('webhooks.col_event')}</th>
            <th scope="col">${t('webhooks.col_attempt')}</th>
            <th scope="col">${t('webhooks.col_status')}</th>
            <th scope="col">${t('webhooks.col_duration')}</th>
            <th scope="col">${t('webhooks.col_state')}</th>
            <th scope="col"><span class="sr-only">${t('webhooks.col_actions')}</span></th>
          </tr></thead>
          <tbody>${d.deliveries.map((/** @type {any} */ x) => {
            const last = lastAttempt(x);
            const state = DELIVERY_STATE[x.state];
            return html`<tr key=${x.id} data-delivery-id=${x.id}>
              <td data-label=${t('webhooks.col_time')}>${dateTime(x.created_at)}</td>
              <td data-label=${t('webhooks.col_event')}><code>${x.event_type}</code></td>
              <td data-label=${t('webhooks.col_attempt')} class="number">${number(x.attempts)}</td>
              <td data-label=${t('webhooks.col_status')} class="number" data-testid="delivery-status">${x.last_status ?? '–'}</td>
              <td data-label=${t('webhooks.col_duration')} class="number">${millis(last?.duration_ms)}</td>
              <td data-label=${t('webhooks.col_state')}><span class=${`badge ${state?.tone ?? ''}`}>${state ? t(state.key) : x.state}</span></td>
              <td><button type="button" class="secondary small" onClick=${() => setOpen(x.id)}
                aria-label=${t('webhooks.details_for', { type: x.event_type, time: dateTime(x.created_at) })}>${t('webhooks.details')}</button></td>
            </tr>`;
          })}</tbody>
        </table></div>`}
    ${shown ? html`<${DeliveryDialog} key=${shown.id} delivery=${shown} canReplay=${endpoint.enabled}
        onClose=${() => setOpen(null)} onReplayed=${list.reload} />` : null}
  </div>`;
}

/** @param {{ endpoint: any, types: EventType[], onChanged: () => void, onSecret: (secret: string) => void }} p */
function EndpointCard({ endpoint: e, types, onChanged, onSecret }) {
  const [showLog, setShowLog] = useState(false);
  const [refresh, setRefresh] = useState(0);
  const toggle = useAction(() => api(`/api/webhooks/endpoints/${e.id}`, { method: 'PATCH', body: { enabled: !e.enabled } }));
  const test = useAction(() => api(`/api/webhooks/endpoints/${e.id}/test`, { method: 'POST', body: {} }));
  const known = new Map(types.map((ty) => [ty.type, ty]));
  const titleId = `endpoint-${e.id}`;
  const error = toggle.error ?? test.error;
  return html`<article class="card endpoint" aria-labelledby=${titleId} data-endpoint-id=${e.id} data-testid="webhook-endpoint">
    <div class="page-head">
      <h2 id=${titleId} class="endpoint-url">${e.url}</h2>
      <${EndpointStatus} endpoint=${e} />
    </div>
    ${e.description ? html`<p>${e.description}</p>` : null}
    ${!e.enabled && e.disabled_reason === 'failing' ? html`<div class="banner danger" role="status">${t('webhooks.auto_disabled_text')}</div>` : null}
    ${e.enabled && e.failing_since ? html`<div class="banner warn" role="status">${t('webhooks.failing_text')}</div>` : null}
    <dl class="facts">
      <dt>${t('webhooks.event_types')}</dt>
      <dd><ul class="plain">${e.event_types.map((/** @type {string} */ ty) => html`<li><code>${ty}</code>${known.has(ty) ? html` – <span class="muted">${describe(/** @type {EventType} */ (known.get(ty)))}</span>` : null}</li>`)}</ul></dd>
      <dt>${t('webhooks.created')}</dt><dd>${dateTime(e.created_at)}</dd>
      ${e.secret_rotated_at ? html`<dt>${t('webhooks.rotated_at')}</dt><dd>${dateTime(e.secret_rotated_at)}</dd>` : null}
    </dl>
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    <p role="status" aria-live="polite" data-testid="endpoint-notice">${test.result ? t('webhooks.test_sent') : ''}</p>
    <div class="row agent-actions">
      <button type="button" class="secondary" disabled=${test.busy || !e.enabled} data-testid="webhook-test"
        onClick=${async () => { if (await test.run()) { setShowLog(true); setRefresh((n) => n + 1); } }}>${test.busy ? t('state.sending') : t('webhooks.test')}</button>
      <button type="button" class="secondary" disabled=${toggle.busy} data-testid="webhook-toggle"
        onClick=${async () => { if (await toggle.run()) onChanged(); }}>${e.enabled ? t('webhooks.disable') : t('webhooks.enable')}</button>
      <${ConfirmButton} label=${t('webhooks.rotate')} title=${t('webhooks.rotate_title')} text=${t('webhooks.rotate_text')} confirm=${t('webhooks.rotate_confirm')}
        danger=${false} testid="webhook-rotate" onConfirm=${async () => {
          const rotated = await api(`/api/webhooks/endpoints/${e.id}/rotate-secret`, { method: 'POST', body: {} });
          onSecret(rotated.secret);
          onChanged();
        }} />
      <${ConfirmButton} label=${t('action.delete')} title=${t('webhooks.delete_title')} text=${t('webhooks.delete_text')} confirm=${t('webhooks.delete_confirm')}
        testid="webhook-delete" onConfirm=${async () => {
          await api(`/api/webhooks/endpoints/${e.id}`, { method: 'DELETE' });
          onChanged();
        }} />
      <button type="button" class="secondary" aria-expanded=${showLog ? 'true' : 'false'} data-testid="webhook-log-toggle"
        onClick=${() => setShowLog(!showLog)}>${showLog ? t('webhooks.hide_log') : t('webhooks.show_log')}</button>
    </div>
    ${showLog ? html`<${DeliveryLog} endpoint=${e} refresh=${refresh} />` : null}
  </article>`;
}

export default function Webhooks() {
  const types = useApi('/api/webhooks/event-types');
  const endpoints = useApi('/api/webhooks/endpoints');
  const [secret, setSecret] = useState(/** @type {{ value: string, rotated: boolean } | null} */ (null));
  /** @type {EventType[] | undefined} */
  const catalog = /** @type {any} */ (types.data)?.event_types;
  /** @type {any[] | undefined} */
  const list = /** @type {any} */ (endpoints.data)?.endpoints;
  return html`
    <${PageHead} title=${t('webhooks.title')} />
    <${SettingsTabs} />
    <p>${t('webhooks.intro')}</p>
    <p class="muted">${t('webhooks.signing')}</p>
    ${secret ? html`<${SecretOnce} secret=${secret.value} onDone=${() => setSecret(null)} testid="webhook-secret" inputId="webhook-secret-value"
      title=${secret.rotated ? t('webhooks.secret_rotated_title') : t('webhooks.secret_title')} label=${t('webhooks.secret_label')} done=${t('webhooks.secret_done')}
      notes=${secret.rotated ? [t('webhooks.secret_once'), t('webhooks.secret_overlap')] : [t('webhooks.secret_once')]} />` : null}
    ${types.error || endpoints.error
      ? html`<section class="card"><p>${t('webhooks.load_failed')}</p>
          <${ErrorBox} error=${types.error ?? endpoints.error} onRetry=${() => { types.reload(); endpoints.reload(); }} /></section>`
      : !catalog || !list ? html`<${Loading} />`
      : html`
        <section aria-labelledby="endpoints-title">
          <h2 id="endpoints-title" class="sr-only">${t('webhooks.endpoints')}</h2>
          ${list.length === 0 ? html`<div class="card"><${Empty} text=${t('webhooks.empty')} /></div>`
            : list.map((e) => html`<${EndpointCard} key=${e.id} endpoint=${e} types=${catalog} onChanged=${endpoints.reload}
                onSecret=${(/** @type {string} */ value) => setSecret({ value, rotated: true })} />`)}
        </section>
        <section class="card" aria-labelledby="create-title">
          <h2 id="create-title">${t('webhooks.create_title')}</h2>
          <${CreateForm} types=${catalog} onCreated=${(/** @type {any} */ created) => { setSecret({ value: created.secret, rotated: false }); endpoints.reload(); }} />
        </section>`}`;
}
