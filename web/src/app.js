// Picks the page for the URL, guards signed-in and admin pages, loads pages on demand, sets the
// document title and moves focus to the new page for keyboard and screen-reader users.
import { useEffect, useState, useRef } from 'preact/hooks';
import { html } from './lib/html.js';
import { t } from './lib/i18n.js';
import { location, match, navigate, lastNavigationReplaced } from './lib/router.js';
import { user } from './lib/session.js';
import { routes, notFound } from './routes.js';
import { Layout } from './components/layout.js';
import { Loading, ErrorBox } from './components/ui.js';

function resolve() {
  for (const route of routes) {
    const params = match(route.path, location.value.path);
    if (params) return { route, params };
  }
  return { route: notFound, params: {} };
}

export function App() {
  const { path, query } = location.value;
  const u = user.value;
  const { route, params } = resolve();
  const [loaded, setLoaded] = useState(/** @type {{ page: any, Page: any, error?: any } | null} */ (null));
  const main = useRef(/** @type {{ path: string, page: any } | null} */ (null));

  // Stripe returns to "/?checkout=success&session_id=..." (docs/api.md, POST /api/checkout).
  const checkout = path === '/' ? query.get('checkout') : null;
  const search = query.toString();
  const here = path + (search ? `?${search}` : '');
  const redirect =
    checkout === 'success' ? `/credits/success?session_id=${encodeURIComponent(query.get('session_id') ?? '')}`
    : checkout === 'cancelled' ? '/credits?checkout=cancelled'
    : route.access !== 'public' && u === null ? `/login?next=${encodeURIComponent(here)}`
    : (path === '/login' || path === '/signup') && u ? '/overview'
    : null;

  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);

  // Routes that share a page loader keep the page mounted: the wizard moves from /agents/new to
  // its draft's URL on the first save without losing what is being typed.
  useEffect(() => {
    let live = true;
    route.page().then(
      (m) => live && setLoaded({ page: route.page, Page: m.default }),
      (error) => live && setLoaded({ page: route.page, Page: null, error }),
    );
    return () => {
      live = false;
    };
  }, [route.page]);

  useEffect(() => {
    document.title = `${t(route.title)} · Kametrix`;
    const samePage = main.current !== null && main.current.page === route.page;
    if (main.current !== null && main.current.path !== path && !(samePage && lastNavigationReplaced())) document.getElementById('main')?.focus();
    main.current = { path, page: route.page };
  });

  let body;
  if (redirect || u === undefined || !loaded || loaded.page !== route.page) body = html`<${Loading} />`;
  else if (loaded.error) body = html`<${ErrorBox} error=${loaded.error} onRetry=${() => window.location.reload()} />`;
  else if (route.access === 'admin' && u?.role !== 'admin') body = html`<section><h1>${t('forbidden.title')}</h1><p>${t('forbidden.text')}</p><a href="/overview">${t('nav.overview')}</a></section>`;
  else body = html`<${loaded.Page} params=${params} query=${query} />`;
  return html`<${Layout}>${body}<//>`;
}
