// One customer for admins, composed from the services: the profile with its sessions (auth) to
// edit (name, role, status), a password reset and deletion; the balance with a credit adjustment
// (an Idempotency-Key that stays the same when the same form is sent again) and the ledger
// (billing); the agents (agent) and latest calls (telephony-webhook); the audit trail and the
// security events (auth).
import { useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { t, money, dateTime } from '../../lib/i18n.js';
import { api, idempotencyKey } from '../../lib/api.js';
import { useApi } from '../../lib/use-api.js';
import { useForm } from '../../lib/form.js';
import { navigate } from '../../lib/router.js';
import { user as me } from '../../lib/session.js';
import { Loading, ErrorBox, Empty, PageHead, Field, ConfirmButton } from '../../components/ui.js';
import { Transactions, TypeFilter } from '../../components/transactions.js';
import { CallsTable } from '../../components/calls-table.js';
import { AgentStatus, AgentNumber } from '../../components/agent-status.js';
import { AuditTable } from '../../components/audit-table.js';
import { SecurityEvents } from '../../components/security-events.js';
import { UserStatus, USER_STATUS, ROLE } from '../../components/user-status.js';

const LIMIT = 20;
const RECENT = 10;
const STATES = /** @type {Record<string, string>} */ ({ ok: 'credits.state.ok', low: 'credits.state.low', in_grace: 'credits.state.in_grace', exhausted: 'credits.state.exhausted' });

/** @param {{ detail: any, onSaved: () => void }} p */
function Profile({ detail, onSaved }) {
  const u = detail.user;
  const self = u.id === me.value?.id;
  const form = useForm({ name: u.name ?? '', role: u.role, status: u.status });
  const [saved, setSaved] = useState(false);
  const [notice, setNotice] = useState('');
  const onSubmit = form.submit(async (v) => {
    setSaved(false);
    /** @type {Record<string, string>} */
    const changes = {};
    if (v.name.trim() !== (u.name ?? '')) changes.name = v.name.trim();
    if (v.role !== u.role) changes.role = v.role;
    if (v.status !== u.status) changes.status = v.status;
    if (Object.keys(changes).length > 0) await api(`/api/admin/users/${encodeURIComponent(u.id)}`, { method: 'PATCH', body: changes });
    setSaved(true);
    onSaved();
  });
  const resetPassword = async () => {
    await api(`/api/admin/users/${encodeURIComponent(u.id)}/password-reset`, { method: 'POST', body: {} });
    setNotice(t('admin.user.reset_sent', { email: u.email }));
    onSaved();
  };
  const remove = async () => {
    await api(`/api/admin/users/${encodeURIComponent(u.id)}`, { method: 'DELETE' });
    navigate('/admin/users', { replace: true });
  };
  return html`
    <dl class="facts">
      <dt>${t('admin.user_id')}</dt><dd><code>${u.id}</code></dd>
      <dt>${t('field.email')}</dt><dd data-testid="user-email">${u.email}</dd>
      <dt>${t('admin.status')}</dt><dd><${UserStatus} status=${u.status} /></dd>
      <dt>${t('admin.users.verified')}</dt><dd>${u.email_verified === false ? t('settings.email_unverified') : t('settings.email_verified')}</dd>
      <dt>${t('settings.member_since')}</dt><dd>${dateTime(u.created_at)}</dd>
      <dt>${t('settings.time_zone')}</dt><dd>${u.time_zone || '–'}</dd>
    </dl>
    <h3>${t('admin.user.edit')}</h3>
    ${notice ? html`<div class="banner ok" role="status" data-testid="user-notice">${notice}</div>` : null}
    ${form.general ? html`<${ErrorBox} error=${form.general} />` : null}
    <form onSubmit=${onSubmit} novalidate data-testid="user-form">
      <${Field} id="u-name" label=${t('field.name')} maxlength="200" ...${form.bind('name')} />
      <div class="grid-2 tight">
        <${Field} id="u-role" label=${t('settings.role')} error=${form.bind('role').error}>
          <select id="u-role" disabled=${self} ...${form.bind('role')}>
            ${Object.entries(ROLE).map(([k, key]) => html`<option value=${k}>${t(key)}</option>`)}
          </select>
        <//>
        <${Field} id="u-status" label=${t('admin.status')} error=${form.bind('status').error}>
          <select id="u-status" disabled=${self} ...${form.bind('status')}>
            ${Object.entries(USER_STATUS).map(([k, key]) => html`<option value=${k}>${t(key)}</option>`)}
          </select>
        <//>
      </div>
      ${self ? html`<p class="hint">${t('admin.user.self_hint')}</p>` : null}
      <div class="row">
        <button type="submit" disabled=${form.busy} data-testid="save-user">${form.busy ? t('state.sending') : t('action.save')}</button>
        <span class=${saved ? 'save-state saved' : 'save-state'} role="status" aria-live="polite">${saved ? t('state.saved') : ''}</span>
      </div>
    </form>
    <div class="row" style="margin-top:1rem">
      <${ConfirmButton} label=${t('admin.user.reset')} danger=${false} testid="admin-reset-password"
        title=${t('admin.user.reset_title')} text=${t('admin.user.reset_text', { email: u.email })} confirm=${t('admin.user.reset')} onConfirm=${resetPassword} />
      <${ConfirmButton} label=${t('admin.user.delete')} testid="admin-delete-user" disabled=${self}
        title=${t('admin.user.delete_title', { email: u.email })} text=${t('admin.user.delete_text')} confirm=${t('admin.user.delete')} onConfirm=${remove} />
    </div>`;
}

/** @param {{ sessions: any[] }} p */
function Sessions({ sessions }) {
  if (sessions.length === 0) return html`<p class="muted">${t('admin.user.no_sessions')}</p>`;
  return html`<ul class="plain">${sessions.map((s) => html`<li>${dateTime(s.last_seen_at || s.created_at)} · ${s.ip || '–'}</li>`)}</ul>`;
}

/** @param {{ params: { id: string }, query: URLSearchParams }} p */
export default function AdminUser({ params, query }) {
  const id = encodeURIComponent(params.id);
  const offset = Number(query.get('offset') ?? 0) || 0;
  const type = query.get('type') ?? '';
  const detail = useApi(`/api/admin/users/${id}`);
  const account = useApi(`/api/admin/credits/accounts/${id}`);
  const list = useApi(`/api/admin/credits/accounts/${id}/transactions?limit=${LIMIT}&offset=${offset}${type ? `&type=${type}` : ''}`);
  const agents = useApi(`/api/admin/agents?user_id=${id}&limit=50`);
  const calls = useApi(`/api/admin/calls?user_id=${id}&limit=${RECENT}`);
  const audit = useApi(`/api/admin/audit?user_id=${id}&limit=${RECENT}`);
  const security = useApi(`/api/admin/security-events?user_id=${id}&limit=${RECENT}`);
  const [key, setKey] = useState(idempotencyKey);
  const [done, setDone] = useState('');
  const form = useForm({ euros: '', reason: '' });
  const onSubmit = form.submit(async (v) => {
    const cents = Math.round(Number(String(v.euros).replace(',', '.')) * 100);
    const body = await api('/api/admin/credits/adjust', {
      method: 'POST',
      headers: { 'Idempotency-Key': key },
      body: { user_id: params.id, cents: Number.isFinite(cents) ? cents : 0, reason: v.reason },
    });
    setDone(t('admin.adjusted', { balance: money(body.balance_cents) }));
    setKey(idempotencyKey());
    form.setValues({ euros: '', reason: '' });
    account.reload();
    list.reload();
    audit.reload();
  });
  const fields = form.error ? form.error.fieldErrors() : {};
  /** @type {any} */
  const a = account.data;
  /** @type {any} */
  const d = detail.data;
  const reloadProfile = () => {
    detail.reload();
    audit.reload();
    security.reload();
  };
  return html`
    <${PageHead} title=${d?.user ? t('admin.user.title_named', { email: d.user.email }) : t('admin.user.title')}><a href="/admin/users">${t('admin.users.title')}</a><//>
    <div class="grid-2">
      <section class="card" aria-labelledby="profile-title"><h2 id="profile-title">${t('settings.profile')}</h2>
        ${detail.error ? html`<${ErrorBox} error=${detail.error} onRetry=${detail.reload} />` : !d ? html`<${Loading} />`
          : html`<${Profile} detail=${d} onSaved=${reloadProfile} />`}
      </section>
      <div>
        <section class="card" aria-labelledby="acct"><h2 id="acct">${t('admin.account')}</h2>
          ${account.error ? html`<${ErrorBox} error=${account.error} onRetry=${account.reload} />` : !a ? html`<${Loading} />` : html`<dl class="facts">
            <dt>${t('credits.balance')}</dt><dd class="stat" data-testid="admin-balance">${money(a.balance_cents)}</dd>
            <dt>${t('admin.status')}</dt><dd>${STATES[a.state] ? t(STATES[a.state]) : a.state}</dd>
          </dl>`}
        </section>
        <section class="card" aria-labelledby="adjust"><h2 id="adjust">${t('admin.adjust')}</h2>
          ${done ? html`<div class="banner ok" role="status">${done}</div>` : null}
          ${form.general ? html`<${ErrorBox} error=${form.general} />` : null}
          <form onSubmit=${onSubmit} novalidate>
            <${Field} id="euros" label=${t('admin.adjust_amount')} hint=${t('admin.adjust_hint')} inputmode="decimal" required ...${form.bind('euros')} error=${fields.cents} />
            <${Field} id="reason" label=${t('admin.adjust_reason')} required maxlength="500" ...${form.bind('reason')} />
            <button type="submit" disabled=${form.busy}>${form.busy ? t('state.sending') : t('admin.adjust_submit')}</button>
          </form>
        </section>
        ${d ? html`<section class="card" aria-labelledby="sessions-title"><h2 id="sessions-title">${t('security.sessions_title')}</h2>
          <${Sessions} sessions=${d.sessions ?? []} />
        </section>` : null}
      </div>
    </div>
    <section class="card" aria-labelledby="agents-title">
      <div class="page-head"><h2 id="agents-title" style="margin:0">${t('nav.agents')}</h2><a href=${`/admin/agents?user_id=${id}`}>${t('admin.user.all_agents')}</a></div>
      ${agents.error ? html`<${ErrorBox} error=${agents.error} onRetry=${agents.reload} />` : !agents.data ? html`<${Loading} />`
        : agents.data.agents.length === 0 ? html`<${Empty} text=${t('admin.agents.empty')} />`
        : html`<ul class="plain" data-testid="user-agents">${agents.data.agents.map((/** @type {any} */ ag) => html`<li>
            <a href=${`/admin/agents/${encodeURIComponent(ag.id)}`}>${ag.name}</a> · <${AgentStatus} agent=${ag} /> · <${AgentNumber} agent=${ag} /></li>`)}</ul>`}
    </section>
    <section class="card" aria-labelledby="calls-title">
      <div class="page-head"><h2 id="calls-title" style="margin:0">${t('admin.user.recent_calls')}</h2><a href=${`/admin/calls?user_id=${id}`}>${t('admin.user.all_calls')}</a></div>
      ${calls.error ? html`<${ErrorBox} error=${calls.error} onRetry=${calls.reload} />` : !calls.data ? html`<${Loading} />`
        : calls.data.items.length === 0 ? html`<${Empty} text=${t('admin.user.no_calls')} />`
        : html`<${CallsTable} items=${calls.data.items} base="/admin/calls" compact />`}
    </section>
    <section class="card" aria-labelledby="hist">
      <div class="page-head"><h2 id="hist" style="margin:0">${t('credits.history')}</h2><${TypeFilter} type=${type} /></div>
      <${Transactions} list=${list} limit=${LIMIT} offset=${offset} />
    </section>
    <section class="card" aria-labelledby="audit-title">
      <div class="page-head"><h2 id="audit-title" style="margin:0">${t('admin.user.audit')}</h2><a href=${`/admin/audit?user_id=${id}`}>${t('admin.user.all_audit')}</a></div>
      ${audit.error ? html`<${ErrorBox} error=${audit.error} onRetry=${audit.reload} />` : !audit.data ? html`<${Loading} />`
        : audit.data.items.length === 0 ? html`<${Empty} text=${t('audit.empty')} />`
        : html`<${AuditTable} items=${audit.data.items} />`}
    </section>
    <section class="card" aria-labelledby="security-title"><h2 id="security-title">${t('admin.user.security')}</h2>
      ${security.error ? html`<${ErrorBox} error=${security.error} onRetry=${security.reload} />` : !security.data ? html`<${Loading} />`
        : html`<${SecurityEvents} items=${security.data.items} />`}
    </section>`;
}
