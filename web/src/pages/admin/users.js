import { useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { t, dateTime } from '../../lib/i18n.js';
import { useApi } from '../../lib/use-api.js';
import { setQuery } from '../../lib/router.js';
import { Loading, ErrorBox, Empty, Pager, PageHead, Field } from '../../components/ui.js';

const LIMIT = 25;

/** @param {{ query: URLSearchParams }} p */
export default function AdminUsers({ query }) {
  const offset = Number(query.get('offset') ?? 0) || 0;
  const q = query.get('q') ?? '';
  const [draft, setDraft] = useState(q);
  const list = useApi(`/api/admin/users?limit=${LIMIT}&offset=${offset}${q ? `&q=${encodeURIComponent(q)}` : ''}`);
  return html`
    <${PageHead} title=${t('admin.users.title')} />
    <form class="card filters" role="search" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); setQuery({ q: draft, offset: null }); }}>
      <${Field} id="q" label=${t('admin.users.search')} type="search" value=${draft} onInput=${(/** @type {any} */ e) => setDraft(e.currentTarget.value)} />
      <button type="submit">${t('action.filter')}</button>
    </form>
    <section class="card" aria-label=${t('admin.users.title')}>
      ${list.error ? html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />` : !list.data ? html`<${Loading} />`
        : list.data.items.length === 0 ? html`<${Empty} />`
        : html`<div class="table-wrap"><table class="responsive">
          <thead><tr><th scope="col">${t('field.email')}</th><th scope="col">${t('field.name')}</th><th scope="col">${t('settings.role')}</th><th scope="col">${t('admin.status')}</th><th scope="col">${t('settings.member_since')}</th></tr></thead>
          <tbody>${list.data.items.map((/** @type {any} */ u) => html`<tr>
            <td data-label=${t('field.email')}><a href=${`/admin/users/${u.id}`}>${u.email}</a></td>
            <td data-label=${t('field.name')}>${u.name || '–'}</td>
            <td data-label=${t('settings.role')}>${u.role === 'admin' ? t('settings.role_admin') : t('settings.role_user')}</td>
            <td data-label=${t('admin.status')}>${u.status}</td>
            <td data-label=${t('settings.member_since')}>${dateTime(u.created_at)}</td>
          </tr>`)}</tbody></table></div>
          <${Pager} total=${list.data.total} limit=${LIMIT} offset=${offset} />`}
    </section>`;
}
