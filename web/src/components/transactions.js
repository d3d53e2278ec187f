// The ledger entries of one owner, with the type filter in the query string.
import { html } from '../lib/html.js';
import { t, money, dateTime, TIME_ZONE } from '../lib/i18n.js';
import { setQuery } from '../lib/router.js';
import { Loading, ErrorBox, Empty, Pager, Field } from './ui.js';

export const TX_TYPES = /** @type {Record<string, string>} */ ({
  purchase: 'tx.type.purchase', call_usage: 'tx.type.call_usage', grace_usage: 'tx.type.grace_usage',
  admin_adjustment: 'tx.type.admin_adjustment', refund: 'tx.type.refund', bonus: 'tx.type.bonus',
});

/** @param {{ type: string }} p */
export function TypeFilter({ type }) {
  return html`<${Field} id="f-type" label=${t('tx.filter_type')}>
    <select id="f-type" value=${type} onChange=${(/** @type {any} */ e) => setQuery({ type: e.currentTarget.value, offset: null })}>
      <option value="">${t('tx.all_types')}</option>
      ${Object.entries(TX_TYPES).map(([k, key]) => html`<option value=${k}>${t(key)}</option>`)}
    </select>
  <//>`;
}

/** @param {{ list: { data?: any, error?: any, reload: () => void }, limit: number, offset: number }} p */
export function Transactions({ list, limit, offset }) {
  if (list.error) return html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />`;
  if (!list.data) return html`<${Loading} />`;
  if (list.data.items.length === 0) return html`<${Empty} text=${t('tx.empty')} />`;
  return html`<div class="table-wrap"><table class="responsive" data-testid="transactions">
      <thead><tr><th scope="col">${t('calls.col_time', { tz: TIME_ZONE })}</th><th scope="col">${t('tx.type')}</th><th scope="col">${t('tx.description')}</th><th scope="col" class="num">${t('tx.amount')}</th><th scope="col" class="num">${t('tx.balance_after')}</th></tr></thead>
      <tbody>${list.data.items.map((/** @type {any} */ x) => html`<tr>
        <td data-label=${t('calls.col_time', { tz: TIME_ZONE })}>${dateTime(x.created_at)}</td>
        <td data-label=${t('tx.type')}>${t(TX_TYPES[x.type] ?? x.type)}</td>
        <td data-label=${t('tx.description')}>${x.description}</td>
        <td data-label=${t('tx.amount')} class="num">${money(x.amount_cents)}</td>
        <td data-label=${t('tx.balance_after')} class="num">${money(x.balance_after_cents)}</td>
      </tr>`)}</tbody>
    </table></div>
    <${Pager} total=${list.data.total} limit=${limit} offset=${offset} />`;
}
