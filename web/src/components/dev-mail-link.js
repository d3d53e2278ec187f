// In development the platform's SMTP server keeps every mail and the provider sandbox shows them.
// The gateway names that view (`dev_mail_url` in GET /api/public/legal) only when it is configured
// to, so production never links to it.
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { useApi } from '../lib/use-api.js';

export function DevMailLink() {
  const config = useApi('/api/public/legal');
  /** @type {any} */
  const c = config.data;
  const url = typeof c?.dev_mail_url === 'string' && /^https?:\/\//.test(c.dev_mail_url) ? c.dev_mail_url : '';
  if (!url) return null;
  return html`<section class="card dev-only" aria-labelledby="dev-mail-title" data-testid="dev-mail">
    <h2 id="dev-mail-title">${t('dev.mail_title')}</h2>
    <p class="muted">${t('dev.mail_text')}</p>
    <a href=${url} target="_blank" rel="noopener" data-testid="dev-mail-link">${t('dev.mail_link')}<span class="sr-only"> ${t('integrations.new_window')}</span></a>
  </section>`;
}
