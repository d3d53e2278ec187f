// The owner's data: a download of everything the platform holds about them (GET
// /api/account/export, one JSON document from every service), and deleting the account with the
// password, after saying what goes and what stays (the anonymised ledger the law requires).
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useForm, useAction } from '../lib/form.js';
import { navigate } from '../lib/router.js';
import { signedOut } from '../lib/session.js';
import { PageHead, Field, ErrorBox } from '../components/ui.js';
import { SettingsTabs } from '../components/settings-tabs.js';

const DELETED = ['account_data.deleted_profile', 'account_data.deleted_agents', 'account_data.deleted_calls',
  'account_data.deleted_integrations', 'account_data.deleted_webhooks'];

/** Saves `data` as a file (the export is fetched first so that a failure shows here, not as a broken download). @param {unknown} data */
function saveJson(data) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = 'kametrix-export.json';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Export() {
  const exp = useAction(async () => {
    const data = await api('/api/account/export');
    saveJson(data);
    return true;
  });
  return html`<p>${t('account_data.export_text')}</p>
    ${exp.error ? html`<${ErrorBox} error=${exp.error} />` : null}
    <div class="row">
      <button type="button" disabled=${exp.busy} onClick=${() => exp.run()} data-testid="export">${exp.busy ? t('account_data.exporting') : t('account_data.export')}</button>
      <span class="save-state" role="status" aria-live="polite">${exp.result ? t('account_data.exported') : ''}</span>
    </div>`;
}

function DeleteAccount() {
  const form = useForm({ password: '', understood: false });
  const onSubmit = form.submit(async (v) => {
    // A wrong password is a 401 that must not end on the login page.
    await api('/api/account', { method: 'DELETE', body: { password: v.password }, allowAnonymous: true });
    signedOut();
    navigate('/login?deleted=1', { replace: true });
  });
  const wrong = form.error?.code === 'invalid_credentials' ? form.error.message : undefined;
  return html`<div class="banner danger" role="note">
      <div>
        <p><strong>${t('account_data.delete_warning')}</strong></p>
        <p>${t('account_data.deleted_intro')}</p>
        <ul class="plain">${DELETED.map((k) => html`<li>${t(k)}</li>`)}</ul>
        <p style="margin-top:.75rem">${t('account_data.kept')}</p>
      </div>
    </div>
    ${form.general && !wrong ? html`<${ErrorBox} error=${form.general} />` : null}
    <form onSubmit=${onSubmit} novalidate data-testid="delete-form">
      <${Field} id="delete-password" label=${t('account_data.password')} type="password" autocomplete="current-password" required
        ...${form.bind('password')} error=${wrong ?? form.bind('password').error} />
      <div class="field"><label class="check"><input type="checkbox" id="understood" checked=${form.values.understood}
        onChange=${form.bind('understood').onInput} /> ${t('account_data.understood')}</label></div>
      <button type="submit" class="danger" disabled=${form.busy || !form.values.password || !form.values.understood} data-testid="delete-account">
        ${form.busy ? t('state.sending') : t('account_data.delete_submit')}</button>
    </form>`;
}

export default function SettingsPrivacy() {
  return html`
    <${PageHead} title=${t('settings.title')} />
    <${SettingsTabs} />
    <section class="card" aria-labelledby="export-title"><h2 id="export-title">${t('account_data.export_title')}</h2>
      <${Export} />
    </section>
    <section class="card" aria-labelledby="delete-title"><h2 id="delete-title">${t('account_data.delete_title')}</h2>
      <${DeleteAccount} />
    </section>`;
}
