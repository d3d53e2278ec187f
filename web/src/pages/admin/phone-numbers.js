// The phone-number pool for admins: a summary that warns when agents wait for a number, the
// numbers with status, agent and sync state, and adding (one, a CSV file read in the browser, or
// everything Vapi has), assigning, releasing and deleting.
import { useState } from 'preact/hooks';
import { html } from '../../lib/html.js';
import { t, number, dateTime } from '../../lib/i18n.js';
import { api } from '../../lib/api.js';
import { useApi } from '../../lib/use-api.js';
import { useForm, useAction } from '../../lib/form.js';
import { setQuery } from '../../lib/router.js';
import { useLiveEvents } from '../../lib/events.js';
import { SYNC_STATE } from '../../lib/agents.js';
import { Loading, ErrorBox, Empty, PageHead, Field, ConfirmButton, Pager } from '../../components/ui.js';
import { SyncState, international } from '../../components/agent-status.js';

const LIMIT = 100;
const NUMBER_STATUS = /** @type {Record<string, string>} */ ({ available: 'admin.numbers.status_available', assigned: 'admin.numbers.status_assigned' });

/** @param {{ summary: any }} p */
function Summary({ summary }) {
  const waiting = summary.agents_without_number ?? 0;
  return html`
    ${waiting > 0 ? html`<div class=${`banner ${summary.available > 0 ? 'warn' : 'danger'}`} role="alert" data-testid="shortage">
      <span>${summary.available > 0 ? t('admin.numbers.waiting_with_free', { count: number(waiting) }) : t('admin.numbers.shortage', { count: number(waiting) })}</span>
    </div>` : null}
    <section class="card" aria-labelledby="pool-summary">
      <h2 id="pool-summary">${t('admin.numbers.summary')}</h2>
      <dl class="facts summary-facts" data-testid="pool-summary">
        <dt>${t('admin.numbers.total')}</dt><dd class="stat">${number(summary.total)}</dd>
        <dt>${t('admin.numbers.available')}</dt><dd>${number(summary.available)}</dd>
        <dt>${t('admin.numbers.assigned')}</dt><dd>${number(summary.assigned)}</dd>
        <dt>${t('admin.numbers.agents_waiting')}</dt><dd>${number(waiting)}</dd>
      </dl>
    </section>`;
}

/** @param {{ onDone: () => void }} p */
function AddNumber({ onDone }) {
  const form = useForm({ e164: '' });
  const [added, setAdded] = useState('');
  const onSubmit = form.submit(async (v) => {
    setAdded('');
    const n = await api('/api/admin/phone-numbers', { method: 'POST', body: { e164: v.e164 } });
    setAdded(t('admin.numbers.added', { number: international(n.e164, n.display) }));
    form.setValues({ e164: '' });
    onDone();
  });
  return html`<form onSubmit=${onSubmit} novalidate aria-labelledby="add-number">
    <h3 id="add-number">${t('admin.numbers.add')}</h3>
    ${added ? html`<div class="banner ok" role="status">${added}</div>` : null}
    ${form.general ? html`<${ErrorBox} error=${form.general} />` : null}
    <div class="filters">
      <${Field} id="e164" label=${t('admin.numbers.number')} hint=${t('admin.numbers.add_hint')} type="tel" inputmode="tel" ...${form.bind('e164')} />
      <button type="submit" disabled=${form.busy}>${t('admin.numbers.add_submit')}</button>
    </div>
  </form>`;
}

/** @param {{ onDone: () => void }} p */
function ImportCsv({ onDone }) {
  /** @type {{ run: (input: HTMLInputElement) => Promise<any>, busy: boolean, error: any, result: any, setError: (e: any) => void }} */
  const { run, busy, error, result, setError } = useAction(async (/** @type {HTMLInputElement} */ input) => {
    const file = /** @type {File} */ (input.files?.[0]);
    const r = await api('/api/admin/phone-numbers/import', { method: 'POST', body: { csv: await file.text() } });
    input.value = '';
    onDone();
    return r;
  });
  const onSubmit = (/** @type {Event} */ e) => {
    e.preventDefault();
    const input = /** @type {HTMLInputElement} */ (/** @type {HTMLFormElement} */ (e.currentTarget).elements.namedItem('csv'));
    if (input.files?.length) run(input);
    else setError({ message: t('admin.numbers.csv_choose') });
  };
  return html`<form onSubmit=${onSubmit} aria-labelledby="import-csv">
    <h3 id="import-csv">${t('admin.numbers.import')}</h3>
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    ${result ? html`<div class="banner ok" role="status" data-testid="import-result">
      <span>${t('admin.numbers.imported', { added: number(result.added), skipped: number(result.skipped?.length ?? 0) })}</span>
      ${result.skipped?.length ? html`<ul>${result.skipped.map((/** @type {any} */ s) => html`<li>${t('admin.numbers.skipped_line', { line: s.line })}${s.text ? ` (${s.text})` : ''}: ${s.message}</li>`)}</ul>` : null}
    </div>` : null}
    <div class="filters">
      <${Field} id="csv" label=${t('admin.numbers.csv_file')} hint=${t('admin.numbers.csv_hint')} type="file" accept=".csv,text/csv,text/plain" />
      <button type="submit" disabled=${busy}>${busy ? t('state.sending') : t('admin.numbers.import_submit')}</button>
    </div>
  </form>`;
}

/** @param {{ onDone: () => void }} p */
function SyncFromVapi({ onDone }) {
  /** @type {{ run: () => Promise<any>, busy: boolean, error: any, result: any }} */
  const { run, busy, error, result } = useAction(async () => {
    const r = await api('/api/admin/phone-numbers/sync', { method: 'POST' });
    onDone();
    return r;
  });
  return html`<div aria-labelledby="sync-vapi">
    <h3 id="sync-vapi">${t('admin.numbers.sync')}</h3>
    <p class="hint">${t('admin.numbers.sync_hint')}</p>
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    ${result ? html`<div class="banner ok" role="status">${t('admin.numbers.synced', { imported: number(result.imported), total: number(result.total) })}</div>` : null}
    <button type="button" class="secondary" onClick=${run} disabled=${busy} data-testid="sync-numbers">${busy ? t('state.sending') : t('admin.numbers.sync_submit')}</button>
  </div>`;
}

/** Picks one of the agents that have no number and assigns the pool number to it. @param {{ num: any, onDone: () => void }} p */
function Assign({ num, onDone }) {
  const [open, setOpen] = useState(false);
  const agents = useApi(open ? '/api/admin/agents?limit=200' : null);
  const [agentId, setAgentId] = useState('');
  const { run, busy, error } = useAction(async () => {
    await api(`/api/admin/phone-numbers/${encodeURIComponent(num.id)}/assign`, { method: 'POST', body: { agent_id: agentId } });
    setOpen(false);
    onDone();
  });
  if (!open) return html`<button type="button" class="secondary" onClick=${() => setOpen(true)} aria-label=${t('admin.numbers.assign_named', { number: num.e164 })}>${t('admin.numbers.assign')}</button>`;
  /** @type {any[]} */
  const waiting = (agents.data?.agents ?? []).filter((/** @type {any} */ a) => !a.phone_number);
  const submit = (/** @type {Event} */ e) => {
    e.preventDefault();
    run();
  };
  const id = `assign-${num.id}`;
  return html`<form class="assign" onSubmit=${submit}>
    ${agents.error ? html`<${ErrorBox} error=${agents.error} onRetry=${agents.reload} />` : !agents.data ? html`<${Loading} />`
      : waiting.length === 0 ? html`<p class="muted">${t('admin.numbers.no_waiting_agents')}</p>`
      : html`<${Field} id=${id} label=${t('admin.numbers.assign_to', { number: num.e164 })}>
          <select id=${id} value=${agentId} onChange=${(/** @type {any} */ ev) => setAgentId(ev.currentTarget.value)} required>
            <option value="">${t('admin.numbers.choose_agent')}</option>
            ${waiting.map((a) => html`<option value=${a.id}>${a.name} (${a.user_id})</option>`)}
          </select>
        <//>`}
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    <div class="row">
      <button type="submit" disabled=${busy || !agentId}>${t('admin.numbers.assign_submit')}</button>
      <button type="button" class="secondary" onClick=${() => setOpen(false)}>${t('action.cancel')}</button>
    </div>
  </form>`;
}

/** @param {{ query: URLSearchParams }} p */
export default function AdminPhoneNumbers({ query }) {
  const status = query.get('status') ?? '';
  const q = query.get('q') ?? '';
  const offset = Number(query.get('offset') ?? 0) || 0;
  const params = new URLSearchParams({ limit: String(LIMIT), offset: String(offset) });
  if (status) params.set('status', status);
  if (q) params.set('q', q);
  const list = useApi(`/api/admin/phone-numbers?${params}`);
  useLiveEvents(['phone_number.', 'agent.'], () => list.reload());
  /** @type {any[]} */
  const numbers = list.data?.phone_numbers ?? [];
  const act = (/** @type {string} */ path, /** @type {string} */ method) => async () => {
    await api(path, { method });
    list.reload();
  };
  return html`
    <${PageHead} title=${t('admin.numbers.title')} />
    ${list.data ? html`<${Summary} summary=${list.data.summary} />` : null}
    <section class="card" aria-labelledby="pool-add-title">
      <h2 id="pool-add-title">${t('admin.numbers.add_title')}</h2>
      <div class="grid">
        <${AddNumber} onDone=${list.reload} />
        <${ImportCsv} onDone=${list.reload} />
        <${SyncFromVapi} onDone=${list.reload} />
      </div>
    </section>
    <section class="card" aria-labelledby="pool-list">
      <div class="page-head"><h2 id="pool-list" style="margin:0">${t('admin.numbers.pool')}</h2>
        <${Field} id="f-status" label=${t('admin.status')}>
          <select id="f-status" value=${status} onChange=${(/** @type {any} */ e) => setQuery({ status: e.currentTarget.value, offset: null })}>
            <option value="">${t('calls.all_statuses')}</option>
            ${Object.entries(NUMBER_STATUS).map(([k, key]) => html`<option value=${k}>${t(key)}</option>`)}
          </select>
        <//>
      </div>
      <form role="search" class="row" aria-label=${t('admin.numbers.search')} onSubmit=${(/** @type {Event} */ e) => {
        e.preventDefault();
        const value = /** @type {HTMLInputElement} */ (/** @type {HTMLFormElement} */ (e.currentTarget).elements.namedItem('q')).value.trim();
        setQuery({ q: value || null, offset: null });
      }}>
        <${Field} id="f-number-q" label=${t('admin.numbers.search')}>
          <input id="f-number-q" name="q" type="search" inputmode="tel" value=${q} />
        <//>
        <button type="submit" class="secondary">${t('admin.numbers.search_submit')}</button>
      </form>
      ${list.error ? html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />` : !list.data ? html`<${Loading} />`
        : numbers.length === 0 ? html`<${Empty} text=${status || q ? t('admin.numbers.empty_filtered') : t('admin.numbers.empty')} />`
        : html`<div class="table-wrap"><table class="responsive" data-testid="numbers">
          <thead><tr><th scope="col">${t('admin.numbers.number')}</th><th scope="col">${t('admin.status')}</th><th scope="col">${t('admin.numbers.agent')}</th>
            <th scope="col">${t('agent.sync')}</th><th scope="col">${t('admin.agents.created')}</th><th scope="col"><span class="sr-only">${t('admin.billing.actions')}</span></th></tr></thead>
          <tbody>${numbers.map((n) => html`<tr data-number=${n.e164}>
            <td data-label=${t('admin.numbers.number')}><strong>${international(n.e164, n.display)}</strong></td>
            <td data-label=${t('admin.status')}><span class=${`badge ${n.status === 'available' ? 'ok' : ''}`}>${NUMBER_STATUS[n.status] ? t(NUMBER_STATUS[n.status]) : n.status}</span></td>
            <td data-label=${t('admin.numbers.agent')}>${n.agent_id ? html`<a href=${`/admin/agents/${encodeURIComponent(n.agent_id)}`}>${n.agent_name || n.agent_id}</a>` : '–'}</td>
            <td data-label=${t('agent.sync')}>${SYNC_STATE[n.sync_state] ? html`<${SyncState} agent=${n} />` : '–'}</td>
            <td data-label=${t('admin.agents.created')}>${dateTime(n.created_at)}</td>
            <td><div class="row">
              ${n.status === 'available' ? html`<${Assign} num=${n} onDone=${list.reload} />
                <${ConfirmButton} label=${t('action.delete')} title=${t('admin.numbers.delete_title', { number: n.e164 })} text=${t('admin.numbers.delete_text')}
                  confirm=${t('admin.numbers.delete_confirm')} onConfirm=${act(`/api/admin/phone-numbers/${encodeURIComponent(n.id)}`, 'DELETE')} />`
                : html`<${ConfirmButton} label=${t('admin.numbers.release')} title=${t('admin.numbers.release_title', { number: n.e164 })}
                  text=${t('admin.numbers.release_text', { agent: n.agent_name || n.agent_id || '–' })} confirm=${t('admin.numbers.release_confirm')}
                  onConfirm=${act(`/api/admin/phone-numbers/${encodeURIComponent(n.id)}/release`, 'POST')} />`}
            </div></td>
          </tr>`)}</tbody></table></div>
          <${Pager} total=${list.data.total} limit=${LIMIT} offset=${offset} />`}
    </section>`;
}
