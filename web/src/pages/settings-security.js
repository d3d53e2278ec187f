// Change the password (the current one is asked again; every other session ends) and the list of
// the owner's sessions, this browser's marked, each one revocable.
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, dateTime } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { useForm } from '../lib/form.js';
import { user, logout } from '../lib/session.js';
import { Loading, ErrorBox, PageHead, Field, ConfirmButton } from '../components/ui.js';
import { SettingsTabs } from '../components/settings-tabs.js';
import { PasswordStrength } from '../components/password-strength.js';

/** @param {{ onChanged: () => void }} p */
function ChangePassword({ onChanged }) {
  const form = useForm({ current_password: '', new_password: '' });
  const [done, setDone] = useState(false);
  const onSubmit = form.submit(async (v) => {
    setDone(false);
    // A wrong current password is a 401 that must not end on the login page.
    await api('/api/auth/password/change', { method: 'POST', body: v, allowAnonymous: true });
    form.setValues({ current_password: '', new_password: '' });
    setDone(true);
    onChanged();
  });
  // A wrong current password is an error of that field, not of the form.
  const wrongCurrent = form.error?.code === 'invalid_credentials' ? form.error.message : undefined;
  return html`<form onSubmit=${onSubmit} novalidate data-testid="password-form">
    ${done ? html`<div class="banner ok" role="status" data-testid="password-changed">${t('security.password_changed')}</div>` : null}
    ${form.general && !wrongCurrent ? html`<${ErrorBox} error=${form.general} />` : null}
    <${Field} id="current_password" label=${t('security.current_password')} type="password" autocomplete="current-password" required ...${form.bind('current_password')} error=${wrongCurrent ?? form.bind('current_password').error} />
    <${Field} id="new_password" label=${t('reset.password')} type="password" autocomplete="new-password" required hint=${t('signup.password_hint')} ...${form.bind('new_password')} />
    <${PasswordStrength} password=${form.values.new_password} email=${user.value?.email ?? ''} />
    <button type="submit" disabled=${form.busy || !form.values.current_password || !form.values.new_password}>${form.busy ? t('state.sending') : t('security.change_submit')}</button>
  </form>`;
}

/** A short name for a browser's User-Agent ("Chrome auf Linux"); the full text is in the title. @param {string} ua */
function browserName(ua) {
  if (!ua) return t('security.unknown_device');
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : '';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
  if (!browser) return ua.length > 40 ? `${ua.slice(0, 40)}…` : ua;
  return os ? t('security.browser_on', { browser, os }) : browser;
}

function Sessions() {
  const list = useApi('/api/account/sessions');
  /** @type {any[]} */
  const items = list.data?.items ?? [];
  const others = items.filter((s) => !s.current);
  const revoke = async (/** @type {string} */ id) => {
    await api(`/api/account/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
    list.reload();
  };
  const revokeOthers = async () => {
    for (const s of others) await api(`/api/account/sessions/${encodeURIComponent(s.id)}`, { method: 'DELETE' });
    list.reload();
  };
  if (list.error) return html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />`;
  if (!list.data) return html`<${Loading} />`;
  return html`<div class="table-wrap"><table class="responsive" data-testid="sessions">
      <thead><tr><th scope="col">${t('security.device')}</th><th scope="col">${t('security.ip')}</th><th scope="col">${t('security.signed_in')}</th>
        <th scope="col">${t('security.last_seen')}</th><th scope="col"><span class="sr-only">${t('admin.billing.actions')}</span></th></tr></thead>
      <tbody>${items.map((s) => html`<tr data-session-id=${s.id} data-current=${s.current ? 'true' : undefined}>
        <td data-label=${t('security.device')}><span title=${s.user_agent || ''}>${browserName(s.user_agent || '')}</span>
          ${s.current ? html` <span class="badge ok" data-testid="current-session">${t('security.this_device')}</span>` : null}</td>
        <td data-label=${t('security.ip')}>${s.ip || '–'}</td>
        <td data-label=${t('security.signed_in')}>${dateTime(s.created_at)}</td>
        <td data-label=${t('security.last_seen')}>${dateTime(s.last_seen_at)}</td>
        <td>${s.current
          ? html`<button type="button" class="secondary small" onClick=${() => logout()}>${t('nav.logout')}</button>`
          : html`<${ConfirmButton} label=${t('security.revoke')} className="secondary small" testid="revoke-session"
              title=${t('security.revoke_title')} text=${t('security.revoke_text', { device: browserName(s.user_agent || '') })}
              confirm=${t('security.revoke')} onConfirm=${() => revoke(s.id)} />`}</td>
      </tr>`)}</tbody>
    </table></div>
    ${others.length > 0
      ? html`<div class="row" style="margin-top:.75rem"><${ConfirmButton} label=${t('security.revoke_others')} testid="revoke-others"
          title=${t('security.revoke_others')} text=${t('security.revoke_others_text', { count: others.length })}
          confirm=${t('security.revoke_others')} onConfirm=${revokeOthers} /></div>`
      : null}`;
}

export default function SettingsSecurity() {
  const [generation, setGeneration] = useState(0);
  return html`
    <${PageHead} title=${t('settings.title')} />
    <${SettingsTabs} />
    <section class="card narrow" aria-labelledby="pw-title"><h2 id="pw-title">${t('security.password_title')}</h2>
      <p class="muted">${t('security.password_intro')}</p>
      <${ChangePassword} onChanged=${() => setGeneration((n) => n + 1)} />
    </section>
    <section class="card" aria-labelledby="sessions-title"><h2 id="sessions-title">${t('security.sessions_title')}</h2>
      <p class="muted">${t('security.sessions_intro')}</p>
      <${Sessions} key=${generation} />
    </section>`;
}
