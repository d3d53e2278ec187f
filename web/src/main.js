// Entry point: theme, language, session, router, then the app.
import { render } from 'preact';
import { html } from './lib/html.js';
import { applyTheme } from './lib/theme.js';
import { setLocale, locale } from './lib/i18n.js';
import { loadSession, watchSession } from './lib/session.js';
import { startRouter } from './lib/router.js';
import { App } from './app.js';

applyTheme();
startRouter();
const root = /** @type {HTMLElement} */ (document.getElementById('app'));
Promise.all([setLocale(locale.value), loadSession().catch(() => undefined)]).then(
  () => {
    render(html`<${App} />`, root);
    watchSession();
  },
  () => {
    root.textContent = 'Kametrix ist gerade nicht erreichbar. Bitte laden Sie die Seite neu. / Kametrix is unreachable right now; please reload.';
  },
);
