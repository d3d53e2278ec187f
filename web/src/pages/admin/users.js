// All accounts for admins: search, filters (status, role, verified), sort and pages in the query
// string; rows chosen with checkboxes get a new status in one go (POST
// /api/admin/users/bulk-status, at most 100), after a confirmation.
import { useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { t, dateTime, number } from '../../lib/i18n.js';
import { api } from '../../lib/api.js';
import { useApi } from '../../lib/use-api.js';
import { setQuery } from '../../lib/router.js';
import { user as me } from '../../lib/session.js';
import { Loading, ErrorBox, Empty, Pager, PageHead, Field, ConfirmButton } from '../../components/ui.js';
import { UserStatus, USER_STATUS, ROLE } from '../../components/user-status.js';

const LIMIT = 25;
const FILTERS = ['q', 'status', 'role', 'verified', 'sort'];
const SORTS = /** @type {Record<string, string>} */ ({
  '-created_at': 'admin.users.sort_newest', created_at: 'admin.users.sort_oldest',
  email: 'admin.users.sort_email', '-email': 'admin.users.sort_email_desc', name: 'admin.users.sort_name', '-name': 'admin.users.sort_name_desc',
});

/** @param {{ query: URLSearchParams }} p */
export default function AdminUsers({ query }) {
  const offset = Number(query.get('offset') ?? 0) || 0;
  const q = new URLSearchParams();
  for (const f of FILTERS) {
    const v = query.get(f);
    if (v) q.set(f, v);
  }
  const filters = q.toString();
  const list = useApi(`/api/admin/users?${filters}${filters ? '&' : ''}limit=${LIMIT}&offset=${offset}`);
  /** @type {any[]} */
  const items = list.data?.items ?? [];
  const [draft, setDraft] = useState(() => Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])));
  const [chosen, setChosen] = useState(/** @type {Set<string>} */ (new Set()));
  const [bulkStatus, setBulkStatus] = useState('suspended');
  const [done, setDone] = useState('');
  const input = (/** @type {string} */ name) => ({ value: draft[name], onInput: (/** @type {any} */ e) => setDraft({ ...draft, [name]: e.currentTarget.value }) });
  const apply = (/** @type {Record<string, string | null>} */ changes) => {
    setChosen(new Set());
    setDone('');
    setQuery({ ...changes, offset: null });
  };
  const reset = () => {
    setDraft(Object.fromEntries(FILTERS.map((f) => [f, ''])));
    apply(Object.fromEntries(FILTERS.map((f) => [f, null])));
  };
  const selectable = items.filter((u) => u.id !== me.value?.id);
  const allChosen = selectable.length > 0 && selectable.every((u) => chosen.has(u.id));
  const toggle = (/** @type {string} */ id, /** @type {boolean} */ on) => {
    const next = new Set(chosen);
    if (on) next.add(id);
    else next.delete(id);
    setChosen(next);
  };
  const runBulk = async () => {
    const body = await api('/api/admin/users/bulk-status', { method: 'POST', body: { user_ids: [...chosen], status: bulkStatus } });
    setDone(t('admin.users.bulk_done', { count: body.updated, status: t(USER_STATUS[bulkStatus]) }));
    setChosen(new Set());
    list.reload();
  };
  return html`
    <${PageHead} title=${t('admin.users.title')} />
    <form class="card filters" role="search" aria-label=${t('admin.users.filters')} onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); apply(draft); }}>
      <${Field} id="q" label=${t('admin.users.search')} type="search" ...${input('q')} />
      <${Field} id="f-status" label=${t('admin.status')}>
        <select id="f-status" ...${input('status')}>
          <option value="">${t('admin.users.all')}</option>
          ${Object.entries(USER_STATUS).map(([k, key]) => html`<option value=${k}>${t(key)}</option>`)}
        </select>
      <//>
      <${Field} id="f-role" label=${t('settings.role')}>
        <select id="f-role" ...${input('role')}>
          <option value="">${t('admin.users.all')}</option>
          ${Object.entries(ROLE).map(([k, key]) => html`<option value=${k}>${t(key)}</option>`)}
        </select>
      <//>
      <${Field} id="f-verified" label=${t('admin.users.verified')}>
        <select id="f-verified" ...${input('verified')}>
          <option value="">${t('admin.users.all')}</option>
          <option value="true">${t('settings.email_verified')}</option>
          <option value="false">${t('settings.email_unverified')}</option>
        </select>
      <//>
      <${Field} id="f-sort" label=${t('admin.users.sort')}>
        <select id="f-sort" ...${input('sort')}>
          ${Object.entries(SORTS).map(([k, key]) => html`<option value=${k === '-created_at' ? '' : k}>${t(key)}</option>`)}
        </select>
      <//>
      <div class="row"><button type="submit">${t('action.filter')}</button><button type="button" class="secondary" onClick=${reset}>${t('action.reset')}</button></div>
    </form>
    <section class="card" aria-label=${t('admin.users.title')}>
      ${done ? html`<div class="banner ok" role="status" data-testid="bulk-done">${done}</div>` : null}
      <div class="row bulk" role="group" aria-label=${t('admin.users.bulk')}>
        <span data-testid="chosen-count">${t('admin.users.chosen', { count: number(chosen.size) })}</span>
        <label for="bulk-status" class="sr-only">${t('admin.users.bulk_status')}</label>
        <select id="bulk-status" value=${bulkStatus} onChange=${(/** @type {any} */ e) => setBulkStatus(e.currentTarget.value)}>
          ${Object.entries(USER_STATUS).map(([k, key]) => html`<option value=${k}>${t('admin.users.set_status', { status: t(key) })}</option>`)}
        </select>
        <${ConfirmButton} label=${t('admin.users.bulk_apply')} testid="bulk-apply" disabled=${chosen.size === 0} danger=${bulkStatus !== 'active'}
          title=${t('admin.users.bulk_title', { count: chosen.size, status: t(USER_STATUS[bulkStatus]) })}
          text=${bulkStatus === 'active' ? t('admin.users.bulk_text_active') : t('admin.users.bulk_text_block')}
          confirm=${t('admin.users.bulk_apply')} onConfirm=${runBulk} />
      </div>
      ${list.error ? html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />` : !list.data ? html`<${Loading} />`
        : items.length === 0 ? html`<${Empty} text=${filters ? t('admin.users.empty_filtered') : undefined} />`
        : html`<div class="table-wrap"><table class="responsive" data-testid="admin-users">
          <thead><tr>
            <th scope="col"><input type="checkbox" aria-label=${t('admin.users.choose_all')} checked=${allChosen}
              onChange=${(/** @type {any} */ e) => setChosen(e.currentTarget.checked ? new Set(selectable.map((u) => u.id)) : new Set())} /></th>
            <th scope="col">${t('field.email')}</th><th scope="col">${t('field.name')}</th><th scope="col">${t('settings.role')}</th>
            <th scope="col">${t('admin.status')}</th><th scope="col">${t('admin.users.verified')}</th><th scope="col">${t('settings.member_since')}</th></tr></thead>
          <tbody>${items.map((u) => html`<tr data-user-id=${u.id}>
            <td>${u.id === me.value?.id ? null : html`<input type="checkbox" aria-label=${t('admin.users.choose', { email: u.email })} checked=${chosen.has(u.id)}
              onChange=${(/** @type {any} */ e) => toggle(u.id, e.currentTarget.checked)} />`}</td>
            <td data-label=${t('field.email')}><a href=${`/admin/users/${u.id}`}>${u.email}</a></td>
            <td data-label=${t('field.name')}>${u.name || '–'}</td>
            <td data-label=${t('settings.role')}>${ROLE[u.role] ? t(ROLE[u.role]) : u.role}</td>
            <td data-label=${t('admin.status')}><${UserStatus} status=${u.status} /></td>
            <td data-label=${t('admin.users.verified')}>${u.email_verified === false ? t('settings.email_unverified') : u.email_verified ? t('settings.email_verified') : '–'}</td>
            <td data-label=${t('settings.member_since')}>${dateTime(u.created_at)}</td>
          </tr>`)}</tbody></table></div>
          <${Pager} total=${list.data.total} limit=${LIMIT} offset=${offset} />`}
    </section>`;
}
