import { html } from '../lib/html.js';
import { t, number } from '../lib/i18n.js';
import { useApi } from '../lib/use-api.js';
import { useLiveEvents } from '../lib/events.js';
import { Loading, ErrorBox, Empty, PageHead } from '../components/ui.js';
import { BalanceBanner, BalanceCard } from '../components/balance.js';
import { DayChart } from '../components/chart.js';
import { CallsTable } from '../components/calls-table.js';
import { LiveFeed } from '../components/live-feed.js';

const ANSWERED = ['completed', 'transferred', 'escalated', 'voicemail'];
const MISSED = ['no_answer', 'busy', 'failed'];

export default function Overview() {
  const credits = useApi('/api/credits');
  const stats = useApi('/api/calls/stats');
  const recent = useApi('/api/calls?limit=5');
  useLiveEvents(['call.'], () => {
    stats.reload();
    recent.reload();
  });
  useLiveEvents(['credits.'], () => credits.reload());

  /** @type {any} */
  const s = stats.data;
  const byStatus = s?.this_month?.by_status ?? {};
  const sum = (/** @type {string[]} */ keys) => keys.reduce((n, k) => n + (byStatus[k] ?? 0), 0);

  return html`
    <${PageHead} title=${t('overview.title')} />
    ${credits.data ? html`<${BalanceBanner} credits=${credits.data} />` : null}
    <div class="grid">
      ${credits.loading && !credits.data ? html`<div class="card"><${Loading} /></div>`
        : credits.error ? html`<div class="card"><${ErrorBox} error=${credits.error} onRetry=${credits.reload} /></div>`
        : html`<${BalanceCard} credits=${credits.data} />`}
      <section class="card" aria-labelledby="month-title">
        <h2 id="month-title">${t('overview.this_month')}</h2>
        ${s ? html`<dl class="facts">
            <dt>${t('overview.calls')}</dt><dd class="stat" data-testid="month-calls">${number(s.this_month.calls)}</dd>
            <dt>${t('overview.minutes')}</dt><dd>${number(s.this_month.minutes)}</dd>
            <dt>${t('overview.answered')}</dt><dd>${number(sum(ANSWERED))}</dd>
            <dt>${t('overview.missed')}</dt><dd>${number(sum(MISSED))}</dd>
          </dl>`
          : stats.error ? html`<${ErrorBox} error=${stats.error} onRetry=${stats.reload} />` : html`<${Loading} />`}
      </section>
    </div>
    <div class="grid-2">
      <section class="card" aria-labelledby="calls-chart"><h2 id="calls-chart">${t('overview.calls_per_day')}</h2>
        ${s ? html`<${DayChart} label=${t('overview.calls_chart_label', { total: number(s.total.calls) })} days=${s.days.map((/** @type {any} */ d) => d.date)} bars
            series=${[{ label: t('overview.calls'), values: s.days.map((/** @type {any} */ d) => d.calls), color: '#1f5bd8' }]} />`
          : stats.error ? null : html`<${Loading} />`}
      </section>
      <section class="card" aria-labelledby="minutes-chart"><h2 id="minutes-chart">${t('overview.minutes_per_day')}</h2>
        ${s ? html`<${DayChart} label=${t('overview.minutes_chart_label', { total: number(s.total.minutes) })} days=${s.days.map((/** @type {any} */ d) => d.date)}
            series=${[{ label: t('overview.minutes'), values: s.days.map((/** @type {any} */ d) => d.minutes), color: '#17683a' }]} />`
          : stats.error ? null : html`<${Loading} />`}
      </section>
    </div>
    <div class="grid-2">
      <section class="card" aria-labelledby="recent-title">
        <div class="page-head"><h2 id="recent-title" style="margin:0">${t('overview.recent_calls')}</h2><a href="/calls">${t('overview.all_calls')}</a></div>
        ${recent.error ? html`<${ErrorBox} error=${recent.error} onRetry=${recent.reload} />`
          : !recent.data ? html`<${Loading} />`
          : recent.data.items.length === 0 ? html`<${Empty} text=${t('calls.empty')} />`
          : html`<${CallsTable} items=${recent.data.items} compact />`}
      </section>
      <${LiveFeed} />
    </div>`;
}
