import { useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { t, money, dateTime } from '../../lib/i18n.js';
import { api } from '../../lib/api.js';
import { useApi } from '../../lib/use-api.js';
import { setQuery } from '../../lib/router.js';
import { Loading, ErrorBox, Empty, PageHead } from '../../components/ui.js';

/** @param {{ query: URLSearchParams }} p */
export default function AdminDisputes({ query }) {
  const all = query.get('open') === 'false';
  const list = useApi(`/api/admin/billing/disputes?open=${all ? 'false' : 'true'}`);
  const [error, setError] = useState(/** @type {any} */ (null));
  const review = async (/** @type {string} */ id) => {
    setError(null);
    try {
      await api(`/api/admin/billing/disputes/${encodeURIComponent(id)}/review`, { method: 'POST' });
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return html`
    <${PageHead} title=${t('admin.disputes.title')}>
      <label class="check"><input type="checkbox" checked=${all} onChange=${(/** @type {any} */ e) => setQuery({ open: e.currentTarget.checked ? 'false' : null })} /> ${t('admin.disputes.show_all')}</label>
    <//>
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    <section class="card" aria-label=${t('admin.disputes.title')}>
      ${list.error ? html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />` : !list.data ? html`<${Loading} />`
        : list.data.items.length === 0 ? html`<${Empty} text=${t('admin.disputes.empty')} />`
        : html`<div class="table-wrap"><table class="responsive">
          <thead><tr><th scope="col">${t('admin.disputes.created')}</th><th scope="col">${t('admin.user_id')}</th><th scope="col" class="num">${t('tx.amount')}</th><th scope="col">${t('escalations.reason')}</th><th scope="col">${t('admin.status')}</th><th scope="col"><span class="sr-only">${t('admin.billing.actions')}</span></th></tr></thead>
          <tbody>${list.data.items.map((/** @type {any} */ d) => html`<tr>
            <td data-label=${t('admin.disputes.created')}>${dateTime(d.created_at)}</td>
            <td data-label=${t('admin.user_id')}>${d.user_id ? html`<a href=${`/admin/users/${d.user_id}`}>${d.user_id}</a>` : '–'}</td>
            <td data-label=${t('tx.amount')} class="num">${money(d.amount_cents)}</td>
            <td data-label=${t('escalations.reason')}>${d.reason}</td>
            <td data-label=${t('admin.status')}>${d.status}${d.reviewed_at ? html` · ${t('admin.disputes.reviewed', { at: dateTime(d.reviewed_at) })}` : null}</td>
            <td>${d.reviewed_at ? null : html`<button class="secondary" onClick=${() => review(d.dispute_id)}>${t('admin.disputes.mark_reviewed')}</button>`}</td>
          </tr>`)}</tbody></table></div>`}
    </section>`;
}
