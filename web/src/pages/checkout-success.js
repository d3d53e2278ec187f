// Back from Stripe: the credits arrive with Stripe's webhook, usually before the browser, but
// not always. Ask until the purchase of this checkout session is in the ledger, then show the new
// balance.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, money } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useLiveEvents } from '../lib/events.js';
import { ErrorBox, PageHead } from '../components/ui.js';

const GIVE_UP_MS = 60_000;

/** @param {{ query: URLSearchParams }} p */
export default function CheckoutSuccess({ query }) {
  const session = query.get('session_id') ?? '';
  const [state, setState] = useState(/** @type {{ done: boolean, balance?: number, credits?: number, error?: any, late?: boolean }} */ ({ done: false }));
  const [tick, setTick] = useState(0);
  useLiveEvents(['credits.purchased'], () => setTick((n) => n + 1));
  useEffect(() => {
    if (state.done) return undefined;
    let timer = 0;
    const started = Date.now();
    const check = async () => {
      try {
        const list = await api('/api/credits/transactions?type=purchase&limit=20');
        const entry = list.items.find((/** @type {any} */ x) => x.reference === `checkout:${session}`);
        if (entry) {
          const credits = await api('/api/credits');
          setState({ done: true, balance: credits.balance_cents, credits: entry.amount_cents });
          return;
        }
        setState((s) => ({ ...s, late: Date.now() - started > GIVE_UP_MS }));
        timer = window.setTimeout(check, 1000);
      } catch (error) {
        setState({ done: false, error });
      }
    };
    check();
    return () => window.clearTimeout(timer);
  }, [session, tick]);
  return html`
    <${PageHead} title=${t('checkout.title')} />
    <section class="card" aria-live="polite">
      ${state.error ? html`<${ErrorBox} error=${state.error} />`
        : state.done ? html`<div class="banner ok" data-testid="checkout-done">${t('checkout.arrived', { credits: money(state.credits ?? 0) })}</div>
            <p>${t('credits.balance')}: <strong class="stat" data-testid="balance">${money(state.balance ?? 0)}</strong></p>
            <a class="button" href="/credits">${t('checkout.to_credits')}</a>`
        : html`<p role="status">${t('checkout.waiting')}</p>${state.late ? html`<p class="muted">${t('checkout.late')}</p>` : null}`}
    </section>`;
}
