import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { Loading, ErrorBox } from '../components/ui.js';
import { useLegal, Filled } from './imprint.js';

const SECTIONS = [
  ['privacy.data_title', 'privacy.data_text'],
  ['privacy.calls_title', 'privacy.calls_text'],
  ['privacy.payments_title', 'privacy.payments_text'],
  ['privacy.retention_title', 'privacy.retention_text'],
  ['privacy.rights_title', 'privacy.rights_text'],
];

export default function Privacy() {
  const { data, error, loading, reload } = useLegal();
  if (loading) return html`<${Loading} />`;
  if (error) return html`<${ErrorBox} error=${error} onRetry=${reload} />`;
  return html`<article class="card">
    <h1>${t('legal.privacy_title')}</h1>
    <h2>${t('privacy.controller')}</h2>
    <address><strong><${Filled} value=${data.operator_name} /></strong><br /><${Filled} value=${data.address} /><br /><${Filled} value=${data.email} /></address>
    <h2>${t('privacy.officer')}</h2>
    <p><${Filled} value=${data.privacy_officer} /></p>
    ${SECTIONS.map(([title, text]) => html`<h2>${t(title)}</h2><p>${t(text)}</p>`)}
  </article>`;
}
