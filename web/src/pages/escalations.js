// The escalation log and its statistics; /admin/escalations covers every owner.
import { html } from '../lib/html.js';
import { t, dateTime, number, TIME_ZONE } from '../lib/i18n.js';
import { useApi } from '../lib/use-api.js';
import { location, setQuery } from '../lib/router.js';
import { useLiveEvents } from '../lib/events.js';
import { Loading, ErrorBox, Empty, Pager, PageHead, Field, escalationReason } from '../components/ui.js';
import { DayChart } from '../components/chart.js';

const LIMIT = 20;
const KIND = /** @type {Record<string, string>} */ ({ forwarding: 'escalation.kind.forwarding', fallback: 'escalation.kind.fallback', after_hours: 'escalation.kind.after_hours', message: 'escalation.kind.message' });
const OUTCOME = /** @type {Record<string, string>} */ ({ pending: 'escalation.outcome.pending', transferred: 'escalation.outcome.transferred', not_connected: 'escalation.outcome.not_connected', message: 'escalation.outcome.message' });

/** @param {{ query: URLSearchParams }} p */
export default function Escalations({ query }) {
  const admin = location.value.path.startsWith('/admin');
  const base = admin ? '/api/admin/escalations' : '/api/escalations';
  const offset = Number(query.get('offset') ?? 0) || 0;
  const kind = query.get('kind') ?? '';
  const list = useApi(`${base}?limit=${LIMIT}&offset=${offset}${kind ? `&kind=${kind}` : ''}`);
  const stats = useApi(`${base}/stats`);
  useLiveEvents(['call.escalated'], () => {
    list.reload();
    stats.reload();
  });
  /** @type {any} */
  const s = stats.data;
  const days = s ? Object.keys(s.per_day).sort() : [];
  return html`
    <${PageHead} title=${admin ? t('admin.escalations.title') : t('escalations.title')} />
    <div class="grid-2">
      <section class="card" aria-labelledby="esc-stats"><h2 id="esc-stats">${t('escalations.last_30_days')}</h2>
        ${stats.error ? html`<${ErrorBox} error=${stats.error} onRetry=${stats.reload} />` : !s ? html`<${Loading} />` : html`<dl class="facts">
          <dt>${t('escalations.total')}</dt><dd class="stat">${number(s.total)}</dd>
          <dt>${t('escalations.within_hours')}</dt><dd>${number(s.within_business_hours)}</dd>
          <dt>${t('escalations.outside_hours')}</dt><dd>${number(s.outside_business_hours)}</dd>
          ${Object.entries(s.by_outcome).map(([k, v]) => html`<dt>${t(OUTCOME[k] ?? k)}</dt><dd>${number(/** @type {number} */ (v))}</dd>`)}
        </dl>`}
      </section>
      <section class="card" aria-labelledby="esc-chart"><h2 id="esc-chart">${t('escalations.per_day')}</h2>
        ${!s ? (stats.error ? null : html`<${Loading} />`) : days.length === 0 ? html`<${Empty} text=${t('escalations.empty')} />`
          : html`<${DayChart} label=${t('escalations.per_day')} days=${days} bars series=${[{ label: t('escalations.total'), values: days.map((d) => s.per_day[d]), color: '#7a4a00' }]} />`}
      </section>
    </div>
    <section class="card" aria-labelledby="esc-log">
      <div class="page-head"><h2 id="esc-log" style="margin:0">${t('escalations.log')}</h2>
        <${Field} id="f-kind" label=${t('escalations.kind')}>
          <select id="f-kind" value=${kind} onChange=${(/** @type {any} */ e) => setQuery({ kind: e.currentTarget.value, offset: null })}>
            <option value="">${t('escalations.all_kinds')}</option>
            ${Object.entries(KIND).map(([k, key]) => html`<option value=${k}>${t(key)}</option>`)}
          </select>
        <//>
      </div>
      ${list.error ? html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />`
        : !list.data ? html`<${Loading} />`
        : list.data.items.length === 0 ? html`<${Empty} text=${t('escalations.empty')} />`
        : html`<div class="table-wrap"><table class="responsive" data-testid="escalations-table">
            <thead><tr><th scope="col">${t('calls.col_time', { tz: TIME_ZONE })}</th><th scope="col">${t('calls.col_caller')}</th><th scope="col">${t('escalations.kind')}</th><th scope="col">${t('escalations.reason')}</th><th scope="col">${t('escalations.destination')}</th><th scope="col">${t('escalations.outcome')}</th></tr></thead>
            <tbody>${list.data.items.map((/** @type {any} */ e) => html`<tr>
              <td data-label=${t('calls.col_time', { tz: TIME_ZONE })}><a href=${`${admin ? '/admin/calls' : '/calls'}/${e.call_id}`}>${dateTime(e.at)}</a></td>
              <td data-label=${t('calls.col_caller')}>${e.caller_number || t('call.unknown_caller')}</td>
              <td data-label=${t('escalations.kind')}>${t(KIND[e.kind] ?? e.kind)}${e.within_business_hours ? '' : html` <span class="badge">${t('escalations.outside_hours')}</span>`}</td>
              <td data-label=${t('escalations.reason')}>${escalationReason(e.reason)}</td>
              <td data-label=${t('escalations.destination')}>${e.destination || '–'}</td>
              <td data-label=${t('escalations.outcome')}>${t(OUTCOME[e.outcome] ?? e.outcome)}</td>
            </tr>`)}</tbody></table></div>
            <${Pager} total=${list.data.total} limit=${LIMIT} offset=${offset} />`}
    </section>`;
}
