// Entries of the audit log (who did what to which target, when, from where) with the change as
// a before/after table of the fields that differ; used by the audit page and the user detail.
import { html } from '../lib/html.js';
import { t, dateTime, TIME_ZONE } from '../lib/i18n.js';
import { diffRows } from '../lib/audit.js';

/** @param {{ rows: { field: string, before: string, after: string, changed: boolean }[] }} p */
function DiffTable({ rows }) {
  return html`<table class="diff" data-testid="audit-diff">
    <thead><tr><th scope="col">${t('audit.field')}</th><th scope="col">${t('audit.before')}</th><th scope="col">${t('audit.after')}</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr class=${r.changed ? 'changed' : ''}>
      <th scope="row">${r.field || t('audit.value')}${r.changed ? html` <span class="sr-only">(${t('audit.changed')})</span>` : null}</th>
      <td><code>${r.before}</code></td><td><code>${r.after}</code></td>
    </tr>`)}</tbody>
  </table>`;
}

/** The changed fields, the unchanged ones folded away (they say which record it was). @param {{ entry: any }} p */
function Change({ entry }) {
  const rows = diffRows(entry.before, entry.after);
  const changed = rows.filter((r) => r.changed);
  const same = rows.filter((r) => !r.changed);
  return html`<details class="audit-change">
    <summary>${t('audit.details')}<span class="sr-only">: ${entry.action}</span></summary>
    ${rows.length === 0 ? html`<p class="muted">${t('audit.no_change')}</p>`
      : changed.length === 0 ? html`<p class="muted">${t('audit.nothing_changed')}</p>` : html`<${DiffTable} rows=${changed} />`}
    ${same.length > 0 ? html`<details class="audit-same"><summary>${t('audit.unchanged', { count: same.length })}</summary><${DiffTable} rows=${same} /></details>` : null}
    <dl class="facts">
      <dt>${t('audit.ip')}</dt><dd>${entry.ip || '–'}</dd>
      <dt>${t('audit.user_agent')}</dt><dd>${entry.user_agent || '–'}</dd>
      <dt>${t('error.request_id')}</dt><dd><code>${entry.request_id || '–'}</code></dd>
      <dt>${t('audit.service')}</dt><dd>${entry.service || '–'}</dd>
    </dl>
  </details>`;
}

/** @param {{ items: any[] }} p */
export function AuditTable({ items }) {
  const time = t('calls.col_time', { tz: TIME_ZONE });
  return html`<div class="table-wrap"><table class="responsive" data-testid="audit-table">
    <thead><tr><th scope="col">${time}</th><th scope="col">${t('audit.admin')}</th><th scope="col">${t('audit.action')}</th>
      <th scope="col">${t('audit.target')}</th><th scope="col">${t('audit.change')}</th></tr></thead>
    <tbody>${items.map((e) => html`<tr data-audit-id=${e.id}>
      <td data-label=${time}>${dateTime(e.at)}</td>
      <td data-label=${t('audit.admin')}>${e.admin_email || e.admin_id || '–'}</td>
      <td data-label=${t('audit.action')}><code class="action">${e.action}</code></td>
      <td data-label=${t('audit.target')}>${e.target_type || ''}${e.target_id ? html` <code class="action" title=${e.target_id}>${e.target_id.length > 13 ? `${e.target_id.slice(0, 8)}…` : e.target_id}</code>` : null}</td>
      <td data-label=${t('audit.change')}><${Change} entry=${e} /></td>
    </tr>`)}</tbody>
  </table></div>`;
}
