// One call: facts, the transcript as a conversation, summary, analysis, recording, escalations.
import { html } from '../lib/html.js';
import { t, dateTime, duration, TIME_ZONE } from '../lib/i18n.js';
import { useApi } from '../lib/use-api.js';
import { location } from '../lib/router.js';
import { useLiveEvents, RECONNECTED } from '../lib/events.js';
import { Loading, ErrorBox, CallStatus, PageHead, escalationReason } from '../components/ui.js';

const ROLE = /** @type {Record<string, string>} */ ({ assistant: 'call.role_assistant', user: 'call.role_caller', tool_call: 'call.role_tool_call', tool_result: 'call.role_tool_result' });
const OUTCOME = /** @type {Record<string, string>} */ ({ pending: 'escalation.outcome.pending', transferred: 'escalation.outcome.transferred', not_connected: 'escalation.outcome.not_connected', message: 'escalation.outcome.message' });

/** A value of the provider's analysis for people: yes/no for booleans. @param {unknown} v */
function shown(v) {
  if (v === true || v === 'true') return t('common.yes');
  if (v === false || v === 'false') return t('common.no');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * A key of the provider's structured data as a label: "customerName" and "customer_name" both
 * read "Customer name" (the keys are whatever the assistant's analysis plan named).
 * @param {string} key
 */
function label(key) {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** @param {{ params: { id: string } }} p */
export default function Call({ params }) {
  const admin = location.value.path.startsWith('/admin');
  const { data, error, loading, reload } = useApi(`${admin ? '/api/admin/calls' : '/api/calls'}/${encodeURIComponent(params.id)}`);
  useLiveEvents(['call.'], (e) => {
    if (e.type === RECONNECTED || e.data.call_id === params.id) reload();
  });
  if (error) return html`<${ErrorBox} error=${error} onRetry=${reload} />`;
  if (loading && !data) return html`<${Loading} />`;
  const c = data.call;
  const transcript = c.transcript ?? [];
  return html`
    <${PageHead} title=${c.caller_number ? t('call.heading', { caller: c.caller_number }) : t('call.heading_no_number')}>
      <a href=${admin ? '/admin/calls' : '/calls'}>${t('call.back')}</a>
    <//>
    <div class="grid-2">
      <section class="card" aria-labelledby="facts"><h2 id="facts">${t('call.facts')}</h2>
        <dl class="facts">
          <dt>${t('calls.col_status')}</dt><dd><${CallStatus} status=${c.status} /></dd>
          <dt>${t('calls.col_agent')}</dt><dd>${c.agent_name || '–'}</dd>
          <dt>${t('call.started_at', { tz: TIME_ZONE })}</dt><dd>${dateTime(c.started_at ?? c.created_at)}</dd>
          <dt>${t('call.ended_at', { tz: TIME_ZONE })}</dt><dd>${dateTime(c.ended_at)}</dd>
          <dt>${t('calls.col_duration')}</dt><dd>${duration(c.duration_seconds)}</dd>
          <dt>${t('call.provider_cost')}</dt><dd>${c.provider_cost_usd_micros != null ? new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' }).format(c.provider_cost_usd_micros / 1e6) : '–'}</dd>
          <dt>${t('call.appointment')}</dt><dd>${c.appointment_booked ? t('common.yes') : t('common.no')}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="summary"><h2 id="summary">${t('call.summary')}</h2>
        <p data-testid="summary">${c.summary || t('call.no_summary')}</p>
        ${c.analysis ? html`<h3>${t('call.analysis')}</h3>
          <dl class="facts" data-testid="analysis">
            ${c.analysis.success_evaluation != null ? html`<dt>${t('call.success')}</dt><dd>${shown(c.analysis.success_evaluation)}</dd>` : null}
            ${Object.entries(c.analysis.structured_data ?? {}).map(([k, v]) => html`<dt>${label(k)}</dt><dd>${shown(v)}</dd>`)}
          </dl>` : null}
        ${c.recording_url ? html`<h3>${t('call.recording')}</h3><audio controls preload="none" src=${c.recording_url} aria-label=${t('call.recording')}></audio>` : null}
        ${c.content_removed_at ? html`<p class="muted">${t('call.content_removed', { at: dateTime(c.content_removed_at) })}</p>` : null}
      </section>
    </div>
    ${c.escalations?.length ? html`<section class="card" aria-labelledby="esc"><h2 id="esc">${t('call.escalations')}</h2>
      <ul>${c.escalations.map((/** @type {any} */ e) => html`<li>${dateTime(e.at)} – ${escalationReason(e.reason)} → ${e.destination || '–'} (${t(OUTCOME[e.outcome] ?? e.outcome)})</li>`)}</ul>
    </section>` : null}
    <section class="card" aria-labelledby="transcript"><h2 id="transcript">${t('call.transcript')}</h2>
      ${transcript.length === 0 ? html`<p class="muted">${t('call.no_transcript')}</p>`
        : html`<ol class="conversation" data-testid="transcript">${transcript.map((/** @type {any} */ m) => html`<li class=${`msg ${m.role === 'user' ? 'user' : m.role === 'assistant' ? 'assistant' : 'tool'}`}>
            <span class="who">${t(ROLE[m.role] ?? 'call.role_other')}${m.tool_name ? ` · ${m.tool_name}` : ''}</span>${m.text}
          </li>`)}</ol>`}
    </section>`;
}
