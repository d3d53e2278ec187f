// Admin start page: credits sold and used, revenue, account states, the ledger check and the
// reconciliation of completed calls with billing's charges.
import { useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { t, money, number, dateTime, day } from '../../lib/i18n.js';
import { api } from '../../lib/api.js';
import { useApi } from '../../lib/use-api.js';
import { Loading, ErrorBox, PageHead } from '../../components/ui.js';
import { DayChart } from '../../components/chart.js';

/**
 * "alle 30 Sekunden" / "alle 10 Minuten": how often the calls are compared.
 * @param {number} ms
 */
function every(ms) {
  return ms < 60000
    ? t('admin.calls_recon.every_seconds', { count: Math.max(1, Math.round(ms / 1000)) })
    : t('admin.calls_recon.every_minutes', { count: Math.round(ms / 60000) });
}

function Reconciliation() {
  const r = useApi('/api/admin/billing/reconciliation');
  if (r.error) return html`<${ErrorBox} error=${r.error} onRetry=${r.reload} />`;
  if (!r.data) return html`<${Loading} />`;
  /** @type {any} */
  const d = r.data;
  return html`<div class=${`banner ${d.ok ? 'ok' : 'danger'}`} role="status" data-testid="reconciliation">
      <span>${d.ok ? t('admin.recon_ok', { accounts: t('admin.recon_accounts', { count: d.accounts_checked }), entries: t('admin.recon_entries', { count: d.entries_checked }) }) : t('admin.recon_drift', { count: d.drift.length })}</span>
      <button class="secondary" onClick=${r.reload}>${t('admin.recon_run')}</button>
    </div>
    ${d.drift.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">${t('admin.user_id')}</th><th scope="col" class="num">${t('credits.balance')}</th><th scope="col" class="num">${t('admin.ledger_sum')}</th></tr></thead>
      <tbody>${d.drift.map((/** @type {any} */ x) => html`<tr><td><a href=${`/admin/users/${x.user_id}`}>${x.user_id}</a></td><td class="num">${money(x.balance_cents)}</td><td class="num">${money(x.ledger_sum_cents)}</td></tr>`)}</tbody></table></div>` : null}`;
}

// Calls telephony-webhook completed that billing never charged: the latest runs, the owner-days
// of the newest one, and "reconcile now".
function CallReconciliation() {
  const r = useApi('/api/admin/billing/reconciliation/calls?limit=5');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(/** @type {any} */ (null));
  const runNow = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('/api/admin/billing/reconciliation/calls', { method: 'POST' });
      r.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (r.error) return html`<${ErrorBox} error=${r.error} onRetry=${r.reload} />`;
  if (!r.data) return html`<${Loading} />`;
  /** @type {any} */
  const d = r.data;
  const latest = d.runs[0];
  const tone = !latest ? '' : latest.error ? 'danger' : latest.missing > 0 ? 'warn' : 'ok';
  const text = !latest ? t('admin.calls_recon.none')
    : latest.error ? t('admin.calls_recon.failed', { at: dateTime(latest.started_at) })
    : latest.missing > 0 ? t('admin.calls_recon.drift', { missing: number(latest.missing), republished: number(latest.republished), at: dateTime(latest.started_at) })
    : t('admin.calls_recon.ok', { count: latest.days_checked, from: day(latest.window_from), to: day(latest.window_to), at: dateTime(latest.started_at) });
  return html`${error ? html`<${ErrorBox} error=${error} />` : null}
    <div class=${`banner ${tone}`} role="status" data-testid="calls-reconciliation">
      <span>${text}${latest && latest.in_flight > 0 ? ` ${t('admin.calls_recon.in_flight', { count: latest.in_flight })}` : ''}</span>
      <button class="secondary" disabled=${busy} onClick=${runNow}>${t('admin.calls_recon.run')}</button>
    </div>
    ${latest && latest.drift.length ? html`<div class="table-wrap"><table class="responsive">
      <caption class="sr-only">${t('admin.calls_recon.title')}</caption>
      <thead><tr><th scope="col">${t('admin.user_id')}</th><th scope="col">${t('admin.calls_recon.day')}</th><th scope="col" class="num">${t('admin.calls_recon.completed')}</th><th scope="col" class="num">${t('admin.calls_recon.charged')}</th><th scope="col" class="num">${t('admin.calls_recon.missing')}</th><th scope="col" class="num">${t('admin.calls_recon.republished')}</th></tr></thead>
      <tbody>${latest.drift.map((/** @type {any} */ x) => html`<tr>
        <td data-label=${t('admin.user_id')}><a href=${`/admin/users/${x.user_id}`}>${x.user_id}</a></td>
        <td data-label=${t('admin.calls_recon.day')}>${day(x.day)}</td>
        <td data-label=${t('admin.calls_recon.completed')} class="num">${number(x.completed)}</td>
        <td data-label=${t('admin.calls_recon.charged')} class="num">${number(x.charged)}</td>
        <td data-label=${t('admin.calls_recon.missing')} class="num">${number(x.missing)}</td>
        <td data-label=${t('admin.calls_recon.republished')} class="num">${number(x.republished)}</td>
      </tr>`)}</tbody></table></div>` : null}
    <p class="muted">${t('admin.calls_recon.explain', { days: number(d.settings.days), every: every(d.settings.interval_ms) })}</p>`;
}

export default function AdminStats() {
  const s = useApi('/api/admin/billing/stats');
  const calls = useApi('/api/admin/calls/stats');
  /** @type {any} */
  const d = s.data;
  /** @type {any} */
  const c = calls.data;
  return html`
    <${PageHead} title=${t('admin.title')} />
    <section class="card" aria-labelledby="recon"><h2 id="recon">${t('admin.reconciliation')}</h2><${Reconciliation} /></section>
    <section class="card" aria-labelledby="calls-recon"><h2 id="calls-recon">${t('admin.calls_recon.title')}</h2><${CallReconciliation} /></section>
    ${s.error ? html`<${ErrorBox} error=${s.error} onRetry=${s.reload} />` : !d ? html`<${Loading} />` : html`
      <div class="grid">
        <div class="card"><h2>${t('admin.revenue')}</h2><p class="stat">${money(d.totals.revenue_cents)}</p><p class="muted">${t('admin.purchases', { count: d.totals.purchases })}</p></div>
        <div class="card"><h2>${t('admin.accounts')}</h2><p class="stat">${number(d.accounts.open)}</p><p class="muted">${t('admin.total_balance', { amount: money(d.accounts.total_balance_cents) })}</p></div>
        <div class="card"><h2>${t('admin.attention')}</h2><dl class="facts">
          <dt>${t('credits.state.low')}</dt><dd>${number(d.accounts.low)}</dd>
          <dt>${t('credits.state.in_grace')}</dt><dd>${number(d.accounts.in_grace)}</dd>
          <dt>${t('credits.state.exhausted')}</dt><dd>${number(d.accounts.exhausted)}</dd>
          <dt>${t('admin.open_disputes')}</dt><dd>${number(d.accounts.open_disputes)}</dd>
        </dl></div>
      </div>
      <div class="grid-2">
        <section class="card"><h2>${t('admin.credits_per_day')}</h2>
          <${DayChart} label=${t('admin.credits_per_day')} days=${d.days.map((/** @type {any} */ x) => x.date)}
            series=${[{ label: t('admin.credits_sold'), values: d.days.map((/** @type {any} */ x) => x.credits_sold / 100), color: '#1f5bd8' },
                      { label: t('admin.credits_used'), values: d.days.map((/** @type {any} */ x) => x.credits_used / 100), color: '#b3261e' }]} /></section>
        <section class="card"><h2>${t('admin.calls_per_day')}</h2>
          ${c ? html`<${DayChart} label=${t('admin.calls_per_day')} bars days=${c.days.map((/** @type {any} */ x) => x.date)}
            series=${[{ label: t('overview.calls'), values: c.days.map((/** @type {any} */ x) => x.calls), color: '#17683a' }]} />` : calls.error ? html`<${ErrorBox} error=${calls.error} />` : html`<${Loading} />`}</section>
      </div>`}`;
}
