// The compliance report for a period: how many admin actions, by type and by admin, and every
// sensitive action listed with its before/after. Printable.
import { useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { t, number, longDate } from '../../lib/i18n.js';
import { useApi } from '../../lib/use-api.js';
import { setQuery } from '../../lib/router.js';
import { Loading, ErrorBox, Empty, PageHead, Field } from '../../components/ui.js';
import { AuditTable } from '../../components/audit-table.js';
import { AuditTabs } from '../../components/audit-tabs.js';
import { dayRange } from '../../lib/audit.js';

/** YYYY-MM-DD of a local day `daysAgo` before today. @param {number} daysAgo */
function localDay(daysAgo) {
  const d = new Date();
  d.setDate(d.getDate() - daysAgo);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** @param {{ query: URLSearchParams }} p */
export default function AuditReport({ query }) {
  const from = query.get('from') || localDay(30);
  const to = query.get('to') || localDay(0);
  const range = new URLSearchParams(dayRange(from, to)).toString();
  const report = useApi(`/api/admin/audit/report?${range}`);
  const [draft, setDraft] = useState({ from, to });
  /** @type {any} */
  const r = report.data;
  return html`
    <${PageHead} title=${t('audit.report_title')}>
      <button type="button" class="secondary" onClick=${() => window.print()}>${t('audit.print')}</button>
    <//>
    <${AuditTabs} />
    <form class="card filters no-print" aria-label=${t('audit.period')} onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); setQuery(draft); }}>
      <${Field} id="r-from" label=${t('audit.from')} type="date" required value=${draft.from} onInput=${(/** @type {any} */ e) => setDraft({ ...draft, from: e.currentTarget.value })} />
      <${Field} id="r-to" label=${t('audit.to')} type="date" required value=${draft.to} onInput=${(/** @type {any} */ e) => setDraft({ ...draft, to: e.currentTarget.value })} />
      <button type="submit" data-testid="report-submit">${t('audit.report_create')}</button>
    </form>
    ${report.error ? html`<${ErrorBox} error=${report.error} onRetry=${report.reload} />` : !r ? html`<${Loading} />` : html`
      <section class="card" aria-labelledby="summary-title" data-testid="report">
        <h2 id="summary-title">${t('audit.report_period', { from: longDate(`${from}T12:00:00Z`), to: longDate(`${to}T12:00:00Z`) })}</h2>
        <p class="stat" data-testid="report-total">${number(r.total)}</p>
        <p class="muted">${t('audit.report_total')}</p>
      </section>
      <div class="grid-2">
        <section class="card" aria-labelledby="by-action"><h2 id="by-action">${t('audit.by_action')}</h2>
          ${r.by_action.length === 0 ? html`<${Empty} text=${t('audit.empty')} />` : html`<table data-testid="report-by-action">
            <thead><tr><th scope="col">${t('audit.action')}</th><th scope="col" class="num">${t('audit.count')}</th></tr></thead>
            <tbody>${r.by_action.map((/** @type {any} */ x) => html`<tr><td><code>${x.action}</code></td><td class="num">${number(x.count)}</td></tr>`)}</tbody>
          </table>`}
        </section>
        <section class="card" aria-labelledby="by-admin"><h2 id="by-admin">${t('audit.by_admin')}</h2>
          ${r.by_admin.length === 0 ? html`<${Empty} text=${t('audit.empty')} />` : html`<table data-testid="report-by-admin">
            <thead><tr><th scope="col">${t('audit.admin')}</th><th scope="col" class="num">${t('audit.count')}</th></tr></thead>
            <tbody>${r.by_admin.map((/** @type {any} */ x) => html`<tr><td>${x.admin_email || x.admin_id}</td><td class="num">${number(x.count)}</td></tr>`)}</tbody>
          </table>`}
        </section>
      </div>
      <section class="card" aria-labelledby="sensitive"><h2 id="sensitive">${t('audit.sensitive')}</h2>
        <p class="muted">${t('audit.sensitive_hint')}</p>
        ${r.sensitive.length === 0 ? html`<${Empty} text=${t('audit.empty')} />` : html`<${AuditTable} items=${r.sensitive} />`}
      </section>`}`;
}
