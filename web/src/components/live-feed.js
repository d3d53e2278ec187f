// The owner's calls, credit changes and agent changes as they happen.
import { html } from '../lib/html.js';
import { t, money, dateTime } from '../lib/i18n.js';
import { feed, connected, useLiveEvents } from '../lib/events.js';

const LABELS = /** @type {Record<string, string>} */ ({
  'call.started': 'live.call_started', 'call.completed': 'live.call_completed', 'call.escalated': 'live.call_escalated',
  'credits.purchased': 'live.credits_purchased', 'credits.deducted': 'live.credits_deducted',
  'credits.adjusted': 'live.credits_adjusted', 'credits.refunded': 'live.credits_refunded',
  'credits.low': 'live.credits_low', 'credits.exhausted': 'live.credits_exhausted', 'credits.restored': 'live.credits_restored',
  'agent.created': 'live.agent_created', 'agent.updated': 'live.agent_updated', 'agent.deleted': 'live.agent_deleted',
  'phone_number.assigned': 'live.number_assigned', 'phone_number.released': 'live.number_released',
  'appointment.booked': 'live.appointment_booked', 'appointment.rescheduled': 'live.appointment_rescheduled',
  'appointment.cancelled': 'live.appointment_cancelled',
  'integration.google.connected': 'live.google_connected', 'integration.google.disconnected': 'live.google_disconnected',
});

/** @param {import('../lib/events.js').LiveEvent} e */
function describe(e) {
  const d = e.data;
  const params = { caller: d.caller_number || t('call.unknown_caller'), destination: d.destination || '–', balance: d.balance_cents != null ? money(d.balance_cents) : '', name: d.name || d.caller_name || '–', number: d.e164 || d.phone_number || '–', email: d.google_email || '–' };
  return t(LABELS[e.type] ?? e.type, params);
}

export function LiveFeed() {
  useLiveEvents([''], () => {});
  const items = feed.value;
  return html`<section class="card" aria-labelledby="live-title">
    <div class="page-head"><h2 id="live-title" style="margin:0">${t('live.title')}</h2>
      <span class=${`badge ${connected.value ? 'ok' : ''}`}>${connected.value ? t('live.connected') : t('live.connecting')}</span></div>
    <ul class="feed" aria-live="polite" data-testid="live-feed">
      ${items.length === 0 ? html`<li class="muted">${t('live.empty')}</li>` : null}
      ${items.map((e) => html`<li>
        <time class="muted" datetime=${e.received.toISOString()}>${dateTime(e.received.toISOString())}</time>
        ${e.data.call_id ? html`<a href=${`/calls/${e.data.call_id}`}>${describe(e)}</a>`
          : e.data.agent_id && e.type !== 'agent.deleted' ? html`<a href=${`/agents/${e.data.agent_id}`}>${describe(e)}</a>`
          : html`<span>${describe(e)}</span>`}
      </li>`)}
    </ul>
  </section>`;
}
