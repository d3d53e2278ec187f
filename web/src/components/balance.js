// The balance and its state (ok, low, in grace, exhausted) with the banner that asks for a purchase.
import { html } from '../lib/html.js';
import { t, money, number } from '../lib/i18n.js';

const STATE = /** @type {Record<string, { label: string, badge: string }>} */ ({
  ok: { label: 'credits.state.ok', badge: 'ok' },
  low: { label: 'credits.state.low', badge: 'warn' },
  in_grace: { label: 'credits.state.in_grace', badge: 'danger' },
  exhausted: { label: 'credits.state.exhausted', badge: 'danger' },
});

/** @param {{ credits: any }} p */
export function BalanceBanner({ credits }) {
  const s = credits.state;
  if (s === 'ok') return null;
  const text = s === 'low' ? t('banner.low', { balance: money(credits.balance_cents) })
    : s === 'in_grace' ? t('banner.in_grace', { remaining: money(credits.grace_remaining_cents) })
    : t('banner.exhausted');
  return html`<div class=${`banner ${s === 'low' ? 'warn' : 'danger'}`} role="status" data-testid="balance-banner">
    <span>${text}</span><a class="button" href="/credits">${t('action.buy_credits')}</a>
  </div>`;
}

/** @param {{ credits: any, action?: boolean }} p */
export function BalanceCard({ credits, action = true }) {
  const state = STATE[credits.state] ?? STATE.ok;
  return html`<section class="card" aria-labelledby="balance-title">
    <h2 id="balance-title">${t('credits.balance')}</h2>
    <p class="stat" data-testid="balance">${money(credits.balance_cents)}</p>
    <p><span class=${`badge ${state.badge}`}>${t(state.label)}</span>
      <span class="muted"> ${t('credits.estimated_minutes', { minutes: number(credits.estimated_minutes) })}</span></p>
    <p class="muted">${t('credits.price_per_minute', { price: money(credits.price_per_minute_cents) })}</p>
    ${action ? html`<a class="button" href="/credits">${t('action.buy_credits')}</a>` : null}
  </section>`;
}
