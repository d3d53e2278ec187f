// One owner's account for admins: balance, a credit adjustment (with an Idempotency-Key that
// stays the same when the same form is sent again), and the owner's ledger.
import { useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { t, money } from '../../lib/i18n.js';
import { api, idempotencyKey } from '../../lib/api.js';
import { useApi } from '../../lib/use-api.js';
import { useForm } from '../../lib/form.js';
import { Loading, ErrorBox, PageHead, Field } from '../../components/ui.js';
import { Transactions, TypeFilter } from '../../components/transactions.js';

const LIMIT = 20;
const STATES = /** @type {Record<string, string>} */ ({ ok: 'credits.state.ok', low: 'credits.state.low', in_grace: 'credits.state.in_grace', exhausted: 'credits.state.exhausted' });

/** @param {{ params: { id: string }, query: URLSearchParams }} p */
export default function AdminUser({ params, query }) {
  const id = encodeURIComponent(params.id);
  const offset = Number(query.get('offset') ?? 0) || 0;
  const type = query.get('type') ?? '';
  const account = useApi(`/api/admin/credits/accounts/${id}`);
  const list = useApi(`/api/admin/credits/accounts/${id}/transactions?limit=${LIMIT}&offset=${offset}${type ? `&type=${type}` : ''}`);
  const [key, setKey] = useState(idempotencyKey);
  const [done, setDone] = useState('');
  const form = useForm({ euros: '', reason: '' });
  const onSubmit = form.submit(async (v) => {
    const cents = Math.round(Number(String(v.euros).replace(',', '.')) * 100);
    const body = await api('/api/admin/credits/adjust', {
      method: 'POST',
      headers: { 'Idempotency-Key': key },
      body: { user_id: params.id, cents: Number.isFinite(cents) ? cents : 0, reason: v.reason },
    });
    setDone(t('admin.adjusted', { balance: money(body.balance_cents) }));
    setKey(idempotencyKey());
    form.setValues({ euros: '', reason: '' });
    account.reload();
    list.reload();
  });
  const fields = form.error ? form.error.fieldErrors() : {};
  /** @type {any} */
  const a = account.data;
  return html`
    <${PageHead} title=${t('admin.user.title')}><a href="/admin/users">${t('admin.users.title')}</a><//>
    <div class="grid-2">
      <section class="card" aria-labelledby="acct"><h2 id="acct">${t('admin.account')}</h2>
        ${account.error ? html`<${ErrorBox} error=${account.error} onRetry=${account.reload} />` : !a ? html`<${Loading} />` : html`<dl class="facts">
          <dt>${t('admin.user_id')}</dt><dd><code>${params.id}</code></dd>
          <dt>${t('credits.balance')}</dt><dd class="stat" data-testid="admin-balance">${money(a.balance_cents)}</dd>
          <dt>${t('field.email')}</dt><dd>${a.email}</dd>
          <dt>${t('admin.status')}</dt><dd>${STATES[a.state] ? t(STATES[a.state]) : a.state}</dd>
        </dl>`}
      </section>
      <section class="card" aria-labelledby="adjust"><h2 id="adjust">${t('admin.adjust')}</h2>
        ${done ? html`<div class="banner ok" role="status">${done}</div>` : null}
        ${form.general ? html`<${ErrorBox} error=${form.general} />` : null}
        <form onSubmit=${onSubmit} novalidate>
          <${Field} id="euros" label=${t('admin.adjust_amount')} hint=${t('admin.adjust_hint')} inputmode="decimal" required ...${form.bind('euros')} error=${fields.cents} />
          <${Field} id="reason" label=${t('admin.adjust_reason')} required maxlength="500" ...${form.bind('reason')} />
          <button type="submit" disabled=${form.busy}>${form.busy ? t('state.sending') : t('admin.adjust_submit')}</button>
        </form>
      </section>
    </div>
    <section class="card" aria-labelledby="hist">
      <div class="page-head"><h2 id="hist" style="margin:0">${t('credits.history')}</h2><${TypeFilter} type=${type} /></div>
      <${Transactions} list=${list} limit=${LIMIT} offset=${offset} />
    </section>`;
}
