import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { useApi } from '../lib/use-api.js';
import { Loading, ErrorBox } from '../components/ui.js';

/** The operator's details from the gateway's configuration (LEGAL_* variables). */
export function useLegal() {
  return useApi('/api/public/legal');
}

/** @param {{ value: string }} p */
export function Filled({ value }) {
  return value ? html`${value}` : html`<em class="muted">${t('legal.not_configured')}</em>`;
}

export default function Imprint() {
  const { data, error, loading, reload } = useLegal();
  if (loading) return html`<${Loading} />`;
  if (error) return html`<${ErrorBox} error=${error} onRetry=${reload} />`;
  return html`<article class="card">
    <h1>${t('legal.imprint_title')}</h1>
    <p>${t('legal.imprint_intro')}</p>
    <h2>${t('legal.operator')}</h2>
    <address data-testid="operator"><strong><${Filled} value=${data.operator_name} /></strong><br /><${Filled} value=${data.address} /></address>
    <h2>${t('legal.contact')}</h2>
    <dl class="facts">
      <dt>${t('field.email')}</dt><dd>${data.email ? html`<a href=${`mailto:${data.email}`}>${data.email}</a>` : html`<${Filled} value="" />`}</dd>
      <dt>${t('field.phone')}</dt><dd><${Filled} value=${data.phone} /></dd>
      <dt>${t('legal.register')}</dt><dd><${Filled} value=${data.register_entry} /></dd>
      <dt>${t('legal.vat_id')}</dt><dd><${Filled} value=${data.vat_id} /></dd>
    </dl>
  </article>`;
}
