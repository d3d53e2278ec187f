// The owner's API keys for the public API: create one with a name and scopes (the key is shown
// once), the list with prefix, scopes and last use, and revoking with a confirmation.
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, dateTime } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { useForm } from '../lib/form.js';
import { Loading, ErrorBox, Empty, PageHead, Field, ConfirmButton } from '../components/ui.js';
import { SettingsTabs } from '../components/settings-tabs.js';
import { SecretOnce } from '../components/secret-once.js';

/** The scopes of docs/api.md, each with what it opens. */
export const SCOPES = /** @type {Record<string, string>} */ ({
  'calls:read': 'apikeys.scope_calls_read',
  'credits:read': 'apikeys.scope_credits_read',
  'agents:read': 'apikeys.scope_agents_read',
  'agents:write': 'apikeys.scope_agents_write',
  'webhooks:read': 'apikeys.scope_webhooks_read',
  'webhooks:write': 'apikeys.scope_webhooks_write',
  'bookings:read': 'apikeys.scope_bookings_read',
});

/** @param {{ onCreated: (created: { key: any, secret: string }) => void }} p */
function CreateKey({ onCreated }) {
  const form = useForm({ name: '', scopes: /** @type {string[]} */ ([]) });
  const fields = form.error ? form.error.fieldErrors() : {};
  const toggle = (/** @type {string} */ scope, /** @type {boolean} */ on) =>
    form.setValues((v) => ({ ...v, scopes: on ? [...v.scopes, scope] : v.scopes.filter((s) => s !== scope) }));
  const onSubmit = form.submit(async (v) => {
    const created = await api('/api/account/api-keys', { method: 'POST', body: { name: v.name.trim(), scopes: v.scopes } });
    form.setValues({ name: '', scopes: [] });
    onCreated(created);
  });
  return html`<form onSubmit=${onSubmit} novalidate data-testid="apikey-form">
    ${form.general ? html`<${ErrorBox} error=${form.general} />` : null}
    <${Field} id="key-name" label=${t('apikeys.name')} hint=${t('apikeys.name_hint')} maxlength="100" required ...${form.bind('name')} />
    <fieldset aria-describedby=${fields.scopes ? 'scopes-error' : undefined}>
      <legend>${t('apikeys.scopes')}</legend>
      <ul class="event-types">
        ${Object.entries(SCOPES).map(([scope, key]) => html`<li>
          <label class="check"><input type="checkbox" value=${scope} checked=${form.values.scopes.includes(scope)}
            onChange=${(/** @type {any} */ e) => toggle(scope, e.currentTarget.checked)} /> <code>${scope}</code></label>
          <span class="hint">${t(key)}</span>
        </li>`)}
      </ul>
      ${fields.scopes ? html`<span class="error" id="scopes-error">${fields.scopes}</span>` : null}
    </fieldset>
    <button type="submit" disabled=${form.busy || !form.values.name.trim() || form.values.scopes.length === 0} data-testid="apikey-submit">
      ${form.busy ? t('state.sending') : t('apikeys.create')}</button>
  </form>`;
}

/** @param {{ list: any }} p */
function KeyList({ list }) {
  if (list.error) return html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />`;
  if (!list.data) return html`<${Loading} />`;
  /** @type {any[]} */
  const items = list.data.items;
  if (items.length === 0) return html`<${Empty} text=${t('apikeys.empty')} />`;
  const revoke = async (/** @type {string} */ id) => {
    await api(`/api/account/api-keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
    list.reload();
  };
  return html`<div class="table-wrap"><table class="responsive" data-testid="apikeys">
    <thead><tr><th scope="col">${t('apikeys.name')}</th><th scope="col">${t('apikeys.prefix')}</th><th scope="col">${t('apikeys.scopes')}</th>
      <th scope="col">${t('apikeys.created')}</th><th scope="col">${t('apikeys.last_used')}</th><th scope="col"><span class="sr-only">${t('admin.billing.actions')}</span></th></tr></thead>
    <tbody>${items.map((k) => html`<tr data-key-id=${k.id}>
      <td data-label=${t('apikeys.name')}>${k.name}</td>
      <td data-label=${t('apikeys.prefix')}><code>${k.prefix}…</code></td>
      <td data-label=${t('apikeys.scopes')}>${(k.scopes ?? []).map((/** @type {string} */ s) => html`<code class="scope">${s}</code> `)}</td>
      <td data-label=${t('apikeys.created')}>${dateTime(k.created_at)}</td>
      <td data-label=${t('apikeys.last_used')}>${k.last_used_at ? dateTime(k.last_used_at) : t('apikeys.never_used')}</td>
      <td>${k.revoked_at
        ? html`<span class="badge danger" data-testid="key-revoked">${t('apikeys.revoked_at', { at: dateTime(k.revoked_at) })}</span>`
        : html`<${ConfirmButton} label=${t('apikeys.revoke')} className="secondary small" testid="revoke-key"
            title=${t('apikeys.revoke_title', { name: k.name })} text=${t('apikeys.revoke_text')}
            confirm=${t('apikeys.revoke')} onConfirm=${() => revoke(k.id)} />`}</td>
    </tr>`)}</tbody>
  </table></div>`;
}

export default function ApiKeys() {
  const list = useApi('/api/account/api-keys');
  const [secret, setSecret] = useState('');
  return html`
    <${PageHead} title=${t('apikeys.title')} />
    <${SettingsTabs} />
    <p class="muted">${t('apikeys.intro')} <a href="/api/openapi.yaml" target="_blank" rel="noopener">${t('apikeys.openapi')}<span class="sr-only"> ${t('integrations.new_window')}</span></a></p>
    ${secret ? html`<${SecretOnce} secret=${secret} onDone=${() => setSecret('')} testid="apikey-secret" inputId="apikey-secret-value"
      title=${t('apikeys.secret_title')} notes=${[t('apikeys.secret_once'), t('apikeys.secret_use')]} label=${t('apikeys.secret_label')} done=${t('apikeys.secret_done')} />` : null}
    <section class="card" aria-labelledby="new-key"><h2 id="new-key">${t('apikeys.new')}</h2>
      <${CreateKey} onCreated=${(/** @type {any} */ created) => { setSecret(created.secret); list.reload(); }} />
    </section>
    <section class="card" aria-labelledby="keys-title"><h2 id="keys-title">${t('apikeys.list')}</h2>
      <${KeyList} list=${list} />
    </section>`;
}
