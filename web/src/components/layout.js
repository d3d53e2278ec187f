// The frame around every page: skip link, header with language and theme, navigation for the
// signed-in owner (and the admin area for admins), the main landmark with the banner of an
// unverified address, and the legal footer.
import { html } from '../lib/html.js';
import { t, locale, setLocale, LOCALES } from '../lib/i18n.js';
import { theme, setTheme } from '../lib/theme.js';
import { location } from '../lib/router.js';
import { user, logout } from '../lib/session.js';
import { VerifyBanner } from './verify-banner.js';

const LANGUAGE_NAMES = /** @type {Record<string, string>} */ ({ de: 'lang.de', en: 'lang.en' });

/** @param {{ href: string, label: string, exact?: boolean }} p */
function NavLink({ href, label, exact }) {
  const path = location.value.path;
  const active = exact ? path === href : path === href || path.startsWith(`${href}/`);
  return html`<li><a href=${href} aria-current=${active ? 'page' : undefined}>${label}</a></li>`;
}

export function Preferences() {
  return html`<div class="prefs">
    <label><span class="pref-label">${t('prefs.language')}</span>
      <select value=${locale.value} onChange=${(/** @type {any} */ e) => setLocale(e.currentTarget.value)} data-testid="language">
        ${LOCALES.map((l) => html`<option value=${l}>${t(LANGUAGE_NAMES[l])}</option>`)}
      </select>
    </label>
    <label><span class="pref-label">${t('prefs.theme')}</span>
      <select value=${theme.value} onChange=${(/** @type {any} */ e) => setTheme(e.currentTarget.value)}>
        <option value="system">${t('theme.system')}</option>
        <option value="light">${t('theme.light')}</option>
        <option value="dark">${t('theme.dark')}</option>
      </select>
    </label>
  </div>`;
}

/** @param {Event} e */
function skipToMain(e) {
  e.preventDefault();
  document.getElementById('main')?.focus();
}

/** @param {{ children: any }} p */
export function Layout({ children }) {
  const u = user.value;
  const admin = location.value.path.startsWith('/admin');
  return html`
    <a class="skip" href="#main" onClick=${skipToMain}>${t('nav.skip')}</a>
    <header class="topbar">
      <div class="topbar-inner">
        <a class="brand" href=${u ? '/overview' : '/'}><img src="/favicon.svg" alt="" width="28" height="28" />Kametrix</a>
        <span class="spacer"></span>
        <${Preferences} />
        ${u
          ? html`<span class="muted" data-testid="whoami">${u.name || u.email}</span>
              <button class="secondary" onClick=${() => logout()}>${t('nav.logout')}</button>`
          : html`<a class="button secondary" href="/login">${t('nav.login')}</a><a class="button" href="/signup">${t('nav.signup')}</a>`}
      </div>
    </header>
    ${u
      ? html`<nav class="mainnav" aria-label=${t('nav.label')}>
          <ul>
            ${admin
              ? html`<${NavLink} href="/admin" label=${t('nav.admin_stats')} exact />
                  <${NavLink} href="/admin/users" label=${t('nav.admin_users')} />
                  <${NavLink} href="/admin/agents" label=${t('nav.admin_agents')} />
                  <${NavLink} href="/admin/phone-numbers" label=${t('nav.admin_numbers')} />
                  <${NavLink} href="/admin/billing" label=${t('nav.admin_billing')} />
                  <${NavLink} href="/admin/disputes" label=${t('nav.admin_disputes')} />
                  <${NavLink} href="/admin/calls" label=${t('nav.admin_calls')} />
                  <${NavLink} href="/admin/escalations" label=${t('nav.admin_escalations')} />
                  <${NavLink} href="/admin/audit" label=${t('nav.admin_audit')} />
                  <${NavLink} href="/admin/system" label=${t('nav.admin_system')} />
                  <${NavLink} href="/overview" label=${t('nav.back_to_app')} />`
              : html`<${NavLink} href="/overview" label=${t('nav.overview')} />
                  <${NavLink} href="/agents" label=${t('nav.agents')} />
                  <${NavLink} href="/calls" label=${t('nav.calls')} />
                  <${NavLink} href="/bookings" label=${t('nav.bookings')} />
                  <${NavLink} href="/escalations" label=${t('nav.escalations')} />
                  <${NavLink} href="/credits" label=${t('nav.credits')} />
                  <${NavLink} href="/integrations" label=${t('nav.integrations')} />
                  <${NavLink} href="/settings" label=${t('nav.settings')} />
                  ${u.role === 'admin' ? html`<${NavLink} href="/admin" label=${t('nav.admin')} />` : null}`}
          </ul>
        </nav>`
      : null}
    <main id="main" tabindex="-1">${u ? html`<${VerifyBanner} />` : null}${children}</main>
    <footer>
      <a href="/impressum">${t('legal.imprint_title')}</a>
      <a href="/datenschutz">${t('legal.privacy_title')}</a>
    </footer>`;
}
