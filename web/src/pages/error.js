import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';

/** Shown when something failed badly; ?request_id= names the failed request for support. @param {{ query: URLSearchParams }} p */
export default function ErrorPage({ query }) {
  const id = query.get('request_id');
  return html`<section class="card" role="alert">
    <h1>${t('error.title')}</h1>
    <p>${t('error.text')}</p>
    ${id ? html`<p>${t('error.request_id')}: <code data-testid="request-id">${id}</code></p>` : null}
    <a class="button" href="/">${t('notfound.home')}</a>
  </section>`;
}
