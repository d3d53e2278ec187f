// Balance, packs with checkout (Stripe's hosted page, then back), and the history.
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, money, number } from '../lib/i18n.js';
import { api, idempotencyKey } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { useLiveEvents } from '../lib/events.js';
import { Loading, ErrorBox, Empty, PageHead } from '../components/ui.js';
import { BalanceBanner, BalanceCard } from '../components/balance.js';
import { Transactions, TypeFilter } from '../components/transactions.js';

const LIMIT = 20;

function Packs() {
  const packs = useApi('/api/credits/packs');
  const [busy, setBusy] = useState('');
  const [error, setError] = useState(/** @type {any} */ (null));
  const buy = async (/** @type {string} */ id) => {
    setBusy(id);
    setError(null);
    try {
      const body = await api('/api/checkout', { method: 'POST', body: { pack_id: id }, headers: { 'Idempotency-Key': idempotencyKey() } });
      window.location.assign(body.url);
    } catch (e) {
      setError(e);
      setBusy('');
    }
  };
  if (packs.error) return html`<${ErrorBox} error=${packs.error} onRetry=${packs.reload} />`;
  if (!packs.data) return html`<${Loading} />`;
  if (packs.data.items.length === 0) return html`<${Empty} text=${t('landing.no_packs')} />`;
  return html`${error ? html`<${ErrorBox} error=${error} />` : null}
    <div class="grid">${packs.data.items.map((/** @type {any} */ p) => html`<article class="card" data-testid="pack">
      <h3>${p.name}</h3>
      <p class="price">${money(p.price_cents)}</p>
      <p>${t('pack.credits', { credits: money(p.credits) })}</p>
      <p class="muted">${t('pack.minutes', { minutes: number(p.estimated_minutes) })}</p>
      <button onClick=${() => buy(p.id)} disabled=${busy !== ''} aria-label=${t('credits.buy_pack', { name: p.name })}>
        ${busy === p.id ? t('state.sending') : t('credits.buy')}</button>
    </article>`)}</div>`;
}

/** @param {{ query: URLSearchParams }} p */
export default function Credits({ query }) {
  const offset = Number(query.get('offset') ?? 0) || 0;
  const type = query.get('type') ?? '';
  const credits = useApi('/api/credits');
  const list = useApi(`/api/credits/transactions?limit=${LIMIT}&offset=${offset}${type ? `&type=${type}` : ''}`);
  useLiveEvents(['credits.'], () => {
    credits.reload();
    list.reload();
  });
  return html`
    <${PageHead} title=${t('credits.title')} />
    ${query.get('checkout') === 'cancelled' ? html`<div class="banner warn" role="status">${t('checkout.cancelled')}</div>` : null}
    ${credits.data ? html`<${BalanceBanner} credits=${credits.data} />` : null}
    ${credits.error ? html`<${ErrorBox} error=${credits.error} onRetry=${credits.reload} />` : !credits.data ? html`<${Loading} />` : html`<${BalanceCard} credits=${credits.data} action=${false} />`}
    <section aria-labelledby="packs-title"><h2 id="packs-title">${t('credits.packs')}</h2><${Packs} /></section>
    <section class="card" aria-labelledby="history-title">
      <div class="page-head"><h2 id="history-title" style="margin:0">${t('credits.history')}</h2>
        <div class="row"><${TypeFilter} type=${type} />
          <a class="button secondary" href=${`/api/credits/transactions.csv${type ? `?type=${type}` : ''}`} download>${t('action.export_csv')}</a></div>
      </div>
      <${Transactions} list=${list} limit=${LIMIT} offset=${offset} />
    </section>`;
}
