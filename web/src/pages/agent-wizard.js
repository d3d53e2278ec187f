// The six-step wizard (/agents/new, /agents/drafts/{id}). Every change is saved as a draft after a
// short pause (PUT with the version the page last saw, so a second tab cannot silently overwrite
// it: 409 offers the newer version); the first change creates the draft and the URL becomes the
// draft's, so a reload resumes it. The step lives in the URL (?step=). "Agent erstellen"
// publishes the draft; a 422 marks the fields and opens the step of the first one.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { navigate, setQuery } from '../lib/router.js';
import { STEPS, emptyDefinition, fromWire, toWire, adoptNormalised, stepOfPath, getPath } from '../lib/agents.js';
import { STEP_COMPONENTS, Review, ErrorSummary } from '../components/agent-form.js';
import { ErrorBox, Loading, PageHead } from '../components/ui.js';

const SAVE_DELAY_MS = 800;

/** @typedef {'saved' | 'pending' | 'saving' | 'error' | 'invalid' | 'conflict'} SaveState */

/** @param {{ state: SaveState, onRetry: () => void }} p */
function SaveIndicator({ state, onRetry }) {
  const text = state === 'saved' ? t('wizard.saved')
    : state === 'pending' || state === 'saving' ? t('wizard.saving')
    : state === 'invalid' ? t('wizard.not_saved_invalid')
    : state === 'conflict' ? t('wizard.not_saved_conflict')
    : t('wizard.not_saved');
  return html`<p class=${`save-state ${state}`} role="status" aria-live="polite" data-testid="save-state" data-state=${state}>
    ${text}${state === 'error' ? html` <button type="button" class="link" onClick=${onRetry}>${t('action.retry')}</button>` : null}
  </p>`;
}

/** @param {{ step: number, href: (n: number) => string }} p */
function StepNav({ step, href }) {
  return html`<nav class="steps-nav" aria-label=${t('wizard.steps_label')}>
    <ol>${STEPS.map((s) => html`<li class=${s.n < step ? 'done' : ''}>
      <a href=${href(s.n)} aria-current=${s.n === step ? 'step' : undefined}><span class="step-n" aria-hidden="true">${s.n}</span><span class="step-title">${t(s.title)}</span></a>
    </li>`)}</ol>
  </nav>`;
}

/** @param {{ params: { id?: string }, query: URLSearchParams }} p */
export default function AgentWizard({ params, query }) {
  const routeId = params.id ?? null;
  const urlStep = Number(query.get('step'));
  const step = urlStep >= 1 && urlStep <= STEPS.length ? urlStep : 1;
  const [def, setDef] = useState(/** @type {import('../lib/agents.js').Definition | null} */ (routeId ? null : emptyDefinition()));
  const [loadError, setLoadError] = useState(/** @type {any} */ (null));
  const [state, setState] = useState(/** @type {SaveState} */ ('saved'));
  // A draft save's 422 lasts until the next save; publishing's until the field is changed.
  const [saveErrors, setSaveErrors] = useState(/** @type {Record<string, string>} */ ({}));
  const [publishErrors, setPublishErrors] = useState(/** @type {Record<string, string>} */ ({}));
  const errors = { ...publishErrors, ...saveErrors };
  const [failure, setFailure] = useState(/** @type {any} */ (null));
  const [conflict, setConflict] = useState(/** @type {any} */ (null));
  const [publishing, setPublishing] = useState(false);
  const [publishError, setPublishError] = useState(/** @type {any} */ (null));
  const voices = useApi(step === 6 ? '/api/voices' : null);
  const heading = useRef(/** @type {HTMLHeadingElement | null} */ (null));
  // What the save loop needs between renders without re-rendering.
  const s = useRef({ id: routeId, version: 0, timer: 0, inflight: false, again: false, conflict: false, first: true });
  const latest = useRef({ def, step });
  latest.current = { def, step };

  const before = useRef(def);
  useEffect(() => {
    const prev = before.current;
    before.current = def;
    if (!prev || !def || prev === def) return;
    setPublishErrors((pe) => {
      const kept = Object.entries(pe).filter(([path]) => getPath(prev, path) === getPath(def, path));
      return kept.length === Object.keys(pe).length ? pe : Object.fromEntries(kept);
    });
  }, [def]);

  const href = (/** @type {number} */ n) => `${s.current.id ? `/agents/drafts/${encodeURIComponent(s.current.id)}` : '/agents/new'}?step=${n}`;

  // A draft from the URL: load it (not when this page has just created it and moved there).
  useEffect(() => {
    const st = s.current;
    if (routeId === null) {
      if (st.id !== null) {
        Object.assign(st, { id: null, version: 0, conflict: false, first: true });
        setDef(emptyDefinition());
        setState('saved');
        setSaveErrors({});
        setPublishErrors({});
      }
      return undefined;
    }
    if (routeId === st.id && !st.first) return undefined;
    const controller = new AbortController();
    setLoadError(null);
    api(`/api/agents/drafts/${encodeURIComponent(routeId)}`, { signal: controller.signal }).then(
      (draft) => {
        Object.assign(st, { id: draft.id, version: draft.version, first: false, conflict: false });
        setDef(fromWire(draft.state));
        setState('saved');
        if (!query.get('step') && draft.step > 1) navigate(`/agents/drafts/${encodeURIComponent(draft.id)}?step=${draft.step}`, { replace: true });
      },
      (e) => {
        if (!controller.signal.aborted) setLoadError(e);
      },
    );
    return () => controller.abort();
  }, [routeId]);

  // Unsaved changes are sent when the page is left inside the app, and the browser warns before
  // a reload or close would lose them.
  useEffect(() => {
    const warn = (/** @type {BeforeUnloadEvent} */ e) => {
      if (s.current.timer || s.current.inflight) e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      window.removeEventListener('beforeunload', warn);
      if (s.current.timer) save();
    };
  }, []);

  // The step's heading gets the focus when the step changes, for keyboard and screen readers.
  const shownStep = useRef(step);
  useEffect(() => {
    if (shownStep.current !== step) heading.current?.focus();
    shownStep.current = step;
  }, [step]);

  async function save() {
    const st = s.current;
    clearTimeout(st.timer);
    st.timer = 0;
    if (st.conflict || !latest.current.def) return;
    if (st.inflight) {
      st.again = true;
      return;
    }
    const sent = latest.current.def;
    const sentStep = latest.current.step;
    st.inflight = true;
    setState('saving');
    try {
      let draft;
      if (st.id === null) {
        draft = await api('/api/agents/drafts', { method: 'POST', body: { step: sentStep, state: toWire(sent) } });
        Object.assign(st, { id: draft.id, first: false });
        navigate(`/agents/drafts/${encodeURIComponent(draft.id)}?step=${latest.current.step}`, { replace: true });
      } else {
        draft = await api(`/api/agents/drafts/${encodeURIComponent(st.id)}`, { method: 'PUT', body: { version: st.version, step: sentStep, state: toWire(sent) } });
      }
      st.version = draft.version;
      setSaveErrors({});
      setFailure(null);
      setDef((d) => (d ? adoptNormalised(d, sent, fromWire(draft.state)) : d));
      setState(st.again || st.timer ? 'pending' : 'saved');
    } catch (e) {
      const err = /** @type {any} */ (e);
      if (err?.status === 409 && err.body?.draft) {
        st.conflict = true;
        st.again = false;
        setConflict(err.body.draft);
        setState('conflict');
      } else if (err?.status === 422) {
        setSaveErrors(err.fieldErrors());
        setState('invalid');
      } else {
        setFailure(err);
        setState('error');
      }
    } finally {
      st.inflight = false;
      if (st.again) {
        st.again = false;
        save();
      }
    }
  }

  function schedule(delay = SAVE_DELAY_MS) {
    const st = s.current;
    if (st.conflict) return;
    clearTimeout(st.timer);
    st.timer = window.setTimeout(save, delay);
    setState('pending');
  }

  /** @param {(d: import('../lib/agents.js').Definition) => import('../lib/agents.js').Definition} fn */
  const update = (fn) => {
    setDef((d) => (d ? fn(d) : d));
    schedule();
  };

  // The step is part of the draft, so the list can resume where the owner left off.
  const lastStep = useRef(step);
  useEffect(() => {
    if (lastStep.current !== step && s.current.id) schedule(0);
    lastStep.current = step;
  }, [step]);

  const resolveConflict = (/** @type {boolean} */ keepMine) => {
    const st = s.current;
    st.version = conflict.version;
    st.conflict = false;
    setConflict(null);
    if (keepMine) {
      schedule(0);
    } else {
      setDef(fromWire(conflict.state));
      setSaveErrors({});
      setPublishErrors({});
      setState('saved');
    }
  };

  const publish = async () => {
    setPublishing(true);
    setPublishError(null);
    setPublishErrors({});
    try {
      const agent = await api(`/api/agents/drafts/${encodeURIComponent(/** @type {string} */ (s.current.id))}/publish`, { method: 'POST' });
      s.current.timer = 0;
      navigate(`/agents/${encodeURIComponent(agent.id)}?created=1`);
    } catch (e) {
      const err = /** @type {any} */ (e);
      setPublishError(err);
      if (err?.status === 422 && err.details?.length) {
        setPublishErrors(err.fieldErrors());
        const first = stepOfPath(err.details[0].field);
        if (first !== step) setQuery({ step: first });
      }
    } finally {
      setPublishing(false);
    }
  };

  if (loadError) {
    return html`<${PageHead} title=${t('wizard.title')}><a href="/agents">${t('agents.back')}</a><//>
      <${ErrorBox} error=${loadError} onRetry=${() => window.location.reload()} />`;
  }
  if (!def) return html`<${Loading} />`;

  const Step = STEP_COMPONENTS[step];
  const go = (/** @type {number} */ n) => setQuery({ step: n });
  return html`
    <${PageHead} title=${def.name ? t('wizard.title_named', { name: def.name }) : t('wizard.title')}>
      <${SaveIndicator} state=${state} onRetry=${() => schedule(0)} />
    <//>
    ${conflict ? html`<div class="banner warn" role="alert" data-testid="conflict">
      <span>${t('wizard.conflict')}</span>
      <span class="row"><button type="button" onClick=${() => resolveConflict(false)}>${t('wizard.load_newer')}</button>
        <button type="button" class="secondary" onClick=${() => resolveConflict(true)}>${t('wizard.keep_mine')}</button></span>
    </div>` : null}
    ${failure && state === 'error' ? html`<${ErrorBox} error=${failure} onRetry=${() => schedule(0)} />` : null}
    <${StepNav} step=${step} href=${href} />
    <${ErrorSummary} errors=${errors} stepHref=${href} stepOf=${stepOfPath} />
    <form class="card wizard" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); if (step < 6) go(step + 1); }} novalidate aria-labelledby="step-title">
      <p class="muted step-count">${t('wizard.step_of', { n: step, total: STEPS.length })}</p>
      <h2 id="step-title" tabindex="-1" ref=${heading}>${t(STEPS[step - 1].title)}</h2>
      ${step === 6
        ? html`<p>${t('wizard.review_intro')}</p>
          <${Review} def=${def} voices=${voices.data?.voices ?? []} stepHref=${href} />
          ${publishError ? html`<${ErrorBox} error=${publishError} />` : null}`
        : html`<${Step} def=${def} update=${update} errors=${errors} autoType />`}
      <div class="row wizard-actions">
        ${step > 1 ? html`<button type="button" class="secondary" onClick=${() => go(step - 1)}>${t('wizard.back')}</button>` : html`<a class="button secondary" href="/agents">${t('wizard.later')}</a>`}
        <span class="spacer"></span>
        ${step < 6 ? html`<button type="submit">${t('wizard.next')}</button>`
          : html`<button type="button" onClick=${publish} disabled=${publishing || state !== 'saved' || !s.current.id} data-testid="publish">
              ${publishing ? t('wizard.publishing') : t('wizard.publish')}</button>`}
      </div>
      ${step === 6 && !s.current.id ? html`<p class="hint">${t('wizard.publish_empty')}</p>`
        : step === 6 && state !== 'saved' && !publishing ? html`<p class="hint">${t('wizard.publish_wait')}</p>` : null}
    </form>`;
}
