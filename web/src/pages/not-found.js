import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { user } from '../lib/session.js';

export default function NotFound() {
  return html`<section class="card">
    <h1>${t('notfound.title')}</h1>
    <p>${t('notfound.text')}</p>
    <a class="button" href=${user.value ? '/overview' : '/'}>${t('notfound.home')}</a>
  </section>`;
}
