// One agent (/agents/{id}; admins: /admin/agents/{id}): its state, the wizard's steps as sections
// to edit (one code with the wizard) saved with PATCH, activate/deactivate, delete, and the test
// call. Live events and, while the live assistant catches up, polling keep the state current
// without touching what is being edited.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, dateTime, TIME_ZONE } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useApi, usePollWhile } from '../lib/use-api.js';
import { useAction } from '../lib/form.js';
import { location, navigate, setQuery } from '../lib/router.js';
import { useLiveEvents, RECONNECTED } from '../lib/events.js';
import { STEPS, fromWire, changedFields, stepOfPath } from '../lib/agents.js';
import { STEP_COMPONENTS, ErrorSummary } from '../components/agent-form.js';
import { Loading, ErrorBox, PageHead } from '../components/ui.js';
import { AgentStatus, SyncState, AgentNumber } from '../components/agent-status.js';
import { AgentActions } from '../components/agent-actions.js';

const SECTIONS = STEPS.slice(0, 5);
const ROLE = /** @type {Record<string, string>} */ ({ assistant: 'call.role_assistant', user: 'call.role_caller' });

/** Whether the assistant took the simulated call ("line_unavailable": it was declined). @param {any} result */
function answered(result) {
  return result.outcome === 'simulated';
}

/** The simulated test call, or why the browser test is not offered. @param {{ agent: any }} p */
function TestCall({ agent }) {
  /** @type {{ run: () => Promise<any>, busy: boolean, error: any, result: any }} */
  const { run, busy, error, result } = useAction(() => api(`/api/agents/${encodeURIComponent(agent.id)}/test-call`, { method: 'POST' }));
  return html`<section class="card" aria-labelledby="test-title" id="test" data-testid="test-call">
    <h2 id="test-title">${t('agent.test_title')}</h2>
    <p class="muted">${t('agent.test_intro')}</p>
    <button type="button" onClick=${run} disabled=${busy} data-testid="start-test">${busy ? t('agent.test_running') : t('agent.test_start')}</button>
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    ${result?.mode === 'web' ? html`<div class="banner warn" role="status">
        <span>${t('agent.test_web_unavailable')}</span>
        <button type="button" disabled aria-describedby="test-web-why">${t('agent.test_in_browser')}</button>
        <span id="test-web-why" class="sr-only">${t('agent.test_web_unavailable')}</span>
      </div>` : null}
    ${result?.mode === 'simulated' ? html`<div role="status" aria-live="polite">
        <p class=${`banner ${answered(result) ? 'ok' : 'danger'}`} data-testid="test-outcome">
          ${answered(result) ? t('agent.test_answered') : t('agent.test_not_answered')}
        </p>
        ${(result.transcript ?? []).length ? html`<ol class="conversation" data-testid="test-transcript">${result.transcript.map((/** @type {any} */ m) => html`<li class=${`msg ${m.role === 'user' ? 'user' : 'assistant'}`}>
            <span class="who">${t(ROLE[m.role] ?? 'call.role_other')}</span>${m.text}
          </li>`)}</ol>` : html`<p class="muted">${t('call.no_transcript')}</p>`}
        <p><a href="/calls">${t('agent.test_to_call')}</a></p>
      </div>` : null}
  </section>`;
}

/** @param {{ params: { id: string }, query: URLSearchParams }} p */
export default function AgentPage({ params, query }) {
  const admin = location.value.path.startsWith('/admin');
  const base = admin ? '/api/admin/agents' : '/api/agents';
  const listPath = admin ? '/admin/agents' : '/agents';
  const url = `${base}/${encodeURIComponent(params.id)}`;
  const loaded = useApi(url);
  const [agent, setAgent] = useState(/** @type {any} */ (null));
  // `base` is the definition the edits started from; PATCH sends only what differs from it, so a
  // change that arrived meanwhile (another tab, an admin) is not overwritten by stale values.
  const [edit, setEdit] = useState(/** @type {{ base: import('../lib/agents.js').Definition, def: import('../lib/agents.js').Definition } | null} */ (null));
  const [errors, setErrors] = useState(/** @type {Record<string, string>} */ ({}));
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [saveError, setSaveError] = useState(/** @type {any} */ (null));
  const sectionParam = query.get('section');
  const section = Math.min(Math.max(Number(sectionParam) || 1, 1), SECTIONS.length);
  const heading = useRef(/** @type {HTMLHeadingElement | null} */ (null));

  const dirty = edit !== null && Object.keys(changedFields(edit.base, edit.def)).length > 0;
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;

  const take = (/** @type {any} */ a) => {
    setAgent(a);
    if (!dirtyRef.current) {
      const def = fromWire(a);
      setEdit({ base: def, def });
    }
  };
  useEffect(() => {
    if (loaded.data) take(loaded.data);
  }, [loaded.data]);
  useLiveEvents(['agent.', 'phone_number.'], (e) => {
    if (e.type === RECONNECTED || e.data.agent_id === params.id) loaded.reload();
  });
  usePollWhile(agent?.sync_state === 'pending', loaded.reload, loaded.data);
  useEffect(() => {
    if (sectionParam === 'test') document.getElementById('test')?.scrollIntoView();
  }, [sectionParam, Boolean(agent)]);
  const shown = useRef(section);
  useEffect(() => {
    if (shown.current !== section) heading.current?.focus();
    shown.current = section;
  }, [section]);

  if (loaded.error && !agent) return html`<${PageHead} title=${t('agent.title')}><a href=${listPath}>${t('agents.back')}</a><//><${ErrorBox} error=${loaded.error} onRetry=${loaded.reload} />`;
  if (!agent || !edit) return html`<${Loading} />`;

  /** @param {(d: import('../lib/agents.js').Definition) => import('../lib/agents.js').Definition} fn */
  const update = (fn) => {
    setSaved(false);
    setEdit((e) => (e ? { base: e.base, def: fn(e.def) } : e));
  };
  const save = async (/** @type {Event} */ ev) => {
    ev.preventDefault();
    setSaving(true);
    setSaveError(null);
    setSaved(false);
    try {
      const a = await api(url, { method: 'PATCH', body: changedFields(edit.base, edit.def) });
      const def = fromWire(a);
      setAgent(a);
      setEdit({ base: def, def });
      setErrors({});
      setSaved(true);
    } catch (e) {
      const err = /** @type {any} */ (e);
      setSaveError(err);
      if (err?.status === 422 && err.details?.length) {
        setErrors(err.fieldErrors());
        const first = stepOfPath(err.details[0].field);
        if (first <= SECTIONS.length && first !== section) setQuery({ section: first });
      }
    } finally {
      setSaving(false);
    }
  };
  const discard = () => {
    setEdit({ base: fromWire(agent), def: fromWire(agent) });
    setErrors({});
    setSaveError(null);
  };
  const sectionHref = (/** @type {number} */ n) => `?section=${n}`;
  const Section = STEP_COMPONENTS[section];

  return html`
    <${PageHead} title=${agent.name}><a href=${listPath}>${t('agents.back')}</a><//>
    ${query.get('created') ? html`<div class="banner ok" role="status" data-testid="created">${t('agent.created_banner')}</div>` : null}
    <section class="card" aria-labelledby="agent-state">
      <h2 id="agent-state">${t('agent.state')}</h2>
      <dl class="facts">
        <dt>${t('agent.phone_number')}</dt><dd><${AgentNumber} agent=${agent} /></dd>
        <dt>${t('agent.status')}</dt><dd><${AgentStatus} agent=${agent} /></dd>
        <dt>${t('agent.sync')}</dt><dd><${SyncState} agent=${agent} />${agent.synced_at ? html` <span class="muted">${t('agent.synced_at', { at: dateTime(agent.synced_at), tz: TIME_ZONE })}</span>` : null}</dd>
        ${admin ? html`<dt>${t('admin.user_id')}</dt><dd><a href=${`/admin/users/${encodeURIComponent(agent.user_id)}`}><code>${agent.user_id}</code></a></dd>` : null}
      </dl>
      <${AgentActions} agent=${agent} base=${base} onChanged=${take} onDeleted=${() => navigate(listPath)}>
        ${admin ? null : html`<a class="button secondary" href="?section=test">${t('agent.test')}</a>`}
      <//>
    </section>
    <form class="card" onSubmit=${save} novalidate aria-labelledby="edit-title">
      <h2 id="edit-title">${t('agent.edit_title')}</h2>
      <nav class="tabs" aria-label=${t('agent.sections')}>
        <ul>${SECTIONS.map((s) => html`<li><a href=${sectionHref(s.n)} aria-current=${s.n === section ? 'page' : undefined}>${t(s.title)}</a></li>`)}</ul>
      </nav>
      <${ErrorSummary} errors=${errors} stepHref=${sectionHref} stepOf=${(/** @type {string} */ p) => Math.min(stepOfPath(p), SECTIONS.length)} />
      <h3 tabindex="-1" ref=${heading}>${t(SECTIONS[section - 1].title)}</h3>
      <${Section} def=${edit.def} update=${update} errors=${errors} />
      ${saveError && !(saveError.status === 422 && saveError.details?.length) ? html`<${ErrorBox} error=${saveError} />` : null}
      <div class="row save-bar">
        <button type="submit" disabled=${saving || !dirty} data-testid="save-agent">${saving ? t('state.sending') : t('agent.save')}</button>
        <button type="button" class="secondary" onClick=${discard} disabled=${saving || !dirty}>${t('agent.discard')}</button>
        <span role="status" aria-live="polite" class="muted">${saved ? t('agent.saved') : dirty ? t('agent.unsaved') : ''}</span>
      </div>
    </form>
    ${admin ? null : html`<${TestCall} agent=${agent} />`}`;
}
