// Billing settings and credit packs for admins.
import { useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { t, money, dateTime } from '../../lib/i18n.js';
import { api } from '../../lib/api.js';
import { useApi } from '../../lib/use-api.js';
import { useForm } from '../../lib/form.js';
import { Loading, ErrorBox, PageHead, Field } from '../../components/ui.js';

const NUMBERS = /** @type {const} */ ([
  ['price_per_minute_cents', 'admin.billing.price_per_minute'],
  ['grace_limit_cents', 'admin.billing.grace_limit'],
  ['low_balance_threshold_cents', 'admin.billing.low_threshold'],
  ['signup_bonus_cents', 'admin.billing.signup_bonus'],
]);

/** @param {{ settings: any, onSaved: () => void }} p */
function SettingsForm({ settings, onSaved }) {
  const form = useForm({ ...settings });
  const [saved, setSaved] = useState(false);
  const onSubmit = form.submit(async (v) => {
    setSaved(false);
    /** @type {Record<string, any>} */
    const body = { rounding: v.rounding, charge_test_calls: Boolean(v.charge_test_calls) };
    for (const [k] of NUMBERS) body[k] = Number(v[k]);
    await api('/api/admin/billing/settings', { method: 'PUT', body });
    setSaved(true);
    onSaved();
  });
  return html`<form onSubmit=${onSubmit} novalidate>
    ${saved ? html`<div class="banner ok" role="status">${t('state.saved')}</div>` : null}
    ${form.general ? html`<${ErrorBox} error=${form.general} />` : null}
    <div class="grid">
      ${NUMBERS.map(([k, label]) => html`<${Field} id=${k} label=${t(label)} hint=${t('admin.billing.in_cents')} type="number" inputmode="numeric" ...${form.bind(k)} />`)}
      <${Field} id="rounding" label=${t('admin.billing.rounding')} error=${form.bind('rounding').error}>
        <select id="rounding" ...${form.bind('rounding')}>
          <option value="per_started_minute">${t('admin.billing.per_started_minute')}</option>
          <option value="per_second">${t('admin.billing.per_second')}</option>
        </select>
      <//>
    </div>
    <div class="field"><label class="check"><input type="checkbox" checked=${Boolean(form.values.charge_test_calls)} onChange=${(/** @type {any} */ e) => form.setValues({ ...form.values, charge_test_calls: e.currentTarget.checked })} /> ${t('admin.billing.charge_test_calls')}</label></div>
    <p class="muted">${t('admin.billing.updated', { at: dateTime(settings.updated_at) })}</p>
    <button type="submit" disabled=${form.busy}>${t('action.save')}</button>
  </form>`;
}

/** @param {{ onSaved: () => void }} p */
function NewPack({ onSaved }) {
  const form = useForm({ id: '', name: '', credits: '', price_cents: '' });
  const onSubmit = form.submit(async (v) => {
    /** @type {Record<string, any>} */
    const body = { name: v.name, credits: Number(v.credits), price_cents: Number(v.price_cents), active: true };
    if (v.id) body.id = v.id;
    await api('/api/admin/billing/packs', { method: 'POST', body });
    form.setValues({ id: '', name: '', credits: '', price_cents: '' });
    onSaved();
  });
  return html`<form class="filters" onSubmit=${onSubmit} novalidate aria-label=${t('admin.billing.new_pack')}>
    ${form.general ? html`<${ErrorBox} error=${form.general} />` : null}
    <${Field} id="pack-id" label=${t('admin.billing.pack_id')} ...${form.bind('id')} />
    <${Field} id="pack-name" label=${t('field.name')} ...${form.bind('name')} />
    <${Field} id="pack-credits" label=${t('admin.billing.credits_cents')} type="number" ...${form.bind('credits')} />
    <${Field} id="pack-price" label=${t('admin.billing.price_cents')} type="number" ...${form.bind('price_cents')} />
    <button type="submit" disabled=${form.busy}>${t('admin.billing.add_pack')}</button>
  </form>`;
}

export default function AdminBilling() {
  const settings = useApi('/api/admin/billing/settings');
  const packs = useApi('/api/admin/billing/packs');
  const [error, setError] = useState(/** @type {any} */ (null));
  const toggle = async (/** @type {any} */ p) => {
    setError(null);
    try {
      await api(`/api/admin/billing/packs/${encodeURIComponent(p.id)}`, { method: 'PATCH', body: { active: !p.active } });
      packs.reload();
    } catch (e) {
      setError(e);
    }
  };
  return html`
    <${PageHead} title=${t('admin.billing.title')} />
    <section class="card" aria-labelledby="bset"><h2 id="bset">${t('admin.billing.settings')}</h2>
      ${settings.error ? html`<${ErrorBox} error=${settings.error} onRetry=${settings.reload} />` : !settings.data ? html`<${Loading} />`
        : html`<${SettingsForm} key=${settings.data.updated_at} settings=${settings.data} onSaved=${settings.reload} />`}
    </section>
    <section class="card" aria-labelledby="bpacks"><h2 id="bpacks">${t('credits.packs')}</h2>
      ${error ? html`<${ErrorBox} error=${error} />` : null}
      ${packs.error ? html`<${ErrorBox} error=${packs.error} onRetry=${packs.reload} />` : !packs.data ? html`<${Loading} />` : html`<div class="table-wrap"><table class="responsive">
        <thead><tr><th scope="col">${t('admin.billing.pack_id')}</th><th scope="col">${t('field.name')}</th><th scope="col" class="num">${t('admin.billing.credits')}</th><th scope="col" class="num">${t('admin.billing.price')}</th><th scope="col">${t('admin.status')}</th><th scope="col"><span class="sr-only">${t('admin.billing.actions')}</span></th></tr></thead>
        <tbody>${packs.data.items.map((/** @type {any} */ p) => html`<tr>
          <td data-label=${t('admin.billing.pack_id')}><code>${p.id}</code></td><td data-label=${t('field.name')}>${p.name}</td>
          <td data-label=${t('admin.billing.credits')} class="num">${money(p.credits)}</td><td data-label=${t('admin.billing.price')} class="num">${money(p.price_cents)}</td>
          <td data-label=${t('admin.status')}>${p.active ? html`<span class="badge ok">${t('admin.billing.active')}</span>` : html`<span class="badge">${t('admin.billing.inactive')}</span>`}</td>
          <td><button class="secondary" onClick=${() => toggle(p)}>${p.active ? t('admin.billing.deactivate') : t('admin.billing.activate')}</button></td>
        </tr>`)}</tbody></table></div>`}
      <h3>${t('admin.billing.new_pack')}</h3>
      <${NewPack} onSaved=${packs.reload} />
    </section>`;
}
