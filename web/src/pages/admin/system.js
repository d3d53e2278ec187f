// System health from the services' own figures (GET /api/admin/system): readiness, error rate and
// latency of each service, outbox backlog, dead letters and consumer lag, then PostgreSQL and the
// broker. Refreshed on request and, while switched on, every few seconds.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { t, number, dateTime } from '../../lib/i18n.js';
import { useApi } from '../../lib/use-api.js';
import { Loading, ErrorBox, PageHead } from '../../components/ui.js';

const REFRESH_MS = 10_000;

/** @param {{ ok: boolean, children: any }} p */
function Ready({ ok, children }) {
  return html`<span class=${`badge ${ok ? 'ok' : 'danger'}`}>${children}</span>`;
}

/** @param {number | null | undefined} ms */
function millis(ms) {
  return ms == null ? '–' : t('system.ms', { value: number(ms, { maximumFractionDigits: ms < 10 ? 1 : 0 }) });
}

/** @param {number | null | undefined} rate a fraction, 0.012 = 1.2 % */
function percent(rate) {
  return rate == null ? '–' : number(rate, { style: 'percent', maximumFractionDigits: 2 });
}

/** @param {{ s: any }} p */
function Service({ s }) {
  /** @type {any[]} */
  const lag = s.consumer_lag ?? [];
  const totalLag = lag.reduce((n, l) => n + (Number(l.lag) || 0), 0);
  const warnErrors = (s.error_rate ?? 0) >= 0.05;
  return html`<section class="card service-health" aria-labelledby=${`svc-${s.name}`} data-service=${s.name}>
    <div class="page-head"><h2 id=${`svc-${s.name}`} style="margin:0">${s.name}</h2>
      <${Ready} ok=${Boolean(s.ready)}>${s.ready ? t('system.ready') : t('system.not_ready')}<//></div>
    ${!s.ready && s.reason ? html`<p class="error" role="note">${s.reason}</p>` : null}
    <dl class="facts">
      <dt>${t('system.requests')}</dt><dd>${s.requests == null ? '–' : number(s.requests)}</dd>
      <dt>${t('system.error_rate')}</dt><dd class=${warnErrors ? 'error' : ''}>${percent(s.error_rate)}${s.errors != null ? ` (${number(s.errors)})` : ''}</dd>
      <dt>${t('system.latency')}</dt><dd>${t('system.latency_value', { p50: millis(s.latency_p50_ms), p99: millis(s.latency_p99_ms) })}</dd>
      <dt>${t('system.outbox')}</dt><dd class=${(s.outbox_backlog ?? 0) > 100 ? 'error' : ''}>${s.outbox_backlog == null ? '–' : number(s.outbox_backlog)}</dd>
      <dt>${t('system.dead_letters')}</dt><dd class=${(s.dead_letters ?? 0) > 0 ? 'error' : ''}>${s.dead_letters == null ? '–' : number(s.dead_letters)}</dd>
      <dt>${t('system.consumer_lag')}</dt><dd>${lag.length === 0 ? '–' : number(totalLag)}</dd>
    </dl>
    ${lag.length > 0 ? html`<details><summary>${t('system.lag_detail')}</summary>
      <table><thead><tr><th scope="col">${t('system.group')}</th><th scope="col">${t('system.topic')}</th><th scope="col" class="num">${t('system.lag')}</th></tr></thead>
      <tbody>${lag.map((l) => html`<tr><td><code>${l.group}</code></td><td><code>${l.topic}</code></td><td class="num">${number(Number(l.lag) || 0)}</td></tr>`)}</tbody></table>
    </details>` : null}
  </section>`;
}

const FACTS = /** @type {Record<string, string>} */ ({ reason: 'system.reason', connections: 'system.connections', size_bytes: 'system.size' });

/** @param {string} key @param {unknown} v */
function fact(key, v) {
  if (key === 'size_bytes' && typeof v === 'number') return t('system.megabytes', { value: number(v / 1_048_576, { maximumFractionDigits: 1 }) });
  return typeof v === 'number' ? number(v) : typeof v === 'string' ? v : JSON.stringify(v);
}

/** What the platform reports about a dependency: reachable as a badge, then the other figures. @param {{ title: string, id: string, info: any }} p */
function Dependency({ title, id, info }) {
  const entries = info && typeof info === 'object' ? Object.entries(info).filter(([k, v]) => v != null && !['ready', 'ok', 'reachable'].includes(k)) : [];
  const ok = info?.reachable ?? info?.ready ?? info?.ok;
  return html`<section class="card" aria-labelledby=${id} data-dependency=${id}>
    <div class="page-head"><h2 id=${id} style="margin:0">${title}</h2>
      ${ok === undefined ? null : html`<${Ready} ok=${Boolean(ok)}>${ok ? t('system.reachable') : t('system.unreachable')}<//>`}</div>
    ${entries.length === 0 ? null : html`<dl class="facts">
      ${entries.map(([k, v]) => html`<dt>${FACTS[k] ? t(FACTS[k]) : html`<code>${k}</code>`}</dt><dd class=${k === 'reason' ? 'error' : ''}>${fact(k, v)}</dd>`)}
    </dl>`}
  </section>`;
}

export default function AdminSystem() {
  const health = useApi('/api/admin/system');
  const [auto, setAuto] = useState(true);
  useEffect(() => {
    if (!auto) return undefined;
    const timer = setInterval(health.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [auto]);
  /** @type {any} */
  const h = health.data;
  /** @type {any[]} */
  const services = h?.services ?? [];
  const down = services.filter((s) => !s.ready);
  return html`
    <${PageHead} title=${t('system.title')}>
      <label class="check"><input type="checkbox" checked=${auto} onChange=${(/** @type {any} */ e) => setAuto(e.currentTarget.checked)} /> ${t('system.auto')}</label>
      <button type="button" class="secondary" onClick=${health.reload} disabled=${health.loading} data-testid="system-refresh">${t('system.refresh')}</button>
    <//>
    ${health.error ? html`<${ErrorBox} error=${health.error} onRetry=${health.reload} />` : !h ? html`<${Loading} />` : html`
      <div class=${`banner ${down.length ? 'danger' : 'ok'}`} role="status" data-testid="system-summary">
        <span>${down.length ? t('system.some_down', { names: down.map((s) => s.name).join(', ') }) : t('system.all_ready', { count: number(services.length) })}</span>
        <span class="muted">${t('system.checked_at', { at: dateTime(h.checked_at) })}</span>
      </div>
      <div class="grid">
        <${Dependency} title=${t('system.database')} id="dep-database" info=${h.database} />
        <${Dependency} title=${t('system.broker')} id="dep-broker" info=${h.broker} />
      </div>
      <div class="grid services" data-testid="services">${services.map((s) => html`<${Service} s=${s} />`)}</div>`}`;
}
