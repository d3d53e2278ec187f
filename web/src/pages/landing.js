import { html } from '../lib/html.js';
import { t, money, number } from '../lib/i18n.js';
import { useApi } from '../lib/use-api.js';
import { user } from '../lib/session.js';
import { Loading, ErrorBox, Empty } from '../components/ui.js';

const FEATURES = [
  ['landing.feature1_title', 'landing.feature1_text'],
  ['landing.feature2_title', 'landing.feature2_text'],
  ['landing.feature3_title', 'landing.feature3_text'],
  ['landing.feature4_title', 'landing.feature4_text'],
];
const STEPS = ['landing.step1', 'landing.step2', 'landing.step3'];

function Pricing() {
  const { data, error, loading, reload } = useApi('/api/public/packs');
  if (loading) return html`<${Loading} />`;
  if (error) return html`<${ErrorBox} error=${error} onRetry=${reload} />`;
  if (!data.items.length) return html`<${Empty} text=${t('landing.no_packs')} />`;
  return html`<div class="grid">
    ${data.items.map((/** @type {any} */ p) => html`<article class="card" data-testid="pack">
      <h3>${p.name}</h3>
      <p class="price">${money(p.price_cents)}</p>
      <p>${t('pack.credits', { credits: money(p.credits) })}</p>
      <p class="muted">${t('pack.minutes', { minutes: number(p.estimated_minutes) })}</p>
    </article>`)}
  </div>`;
}

export default function Landing() {
  const cta = user.value ? html`<a class="button" href="/overview">${t('landing.to_dashboard')}</a>` : html`<a class="button" href="/signup">${t('landing.cta')}</a>`;
  return html`
    <section class="hero">
      <h1>${t('landing.hero_title')}</h1>
      <p>${t('landing.hero_text')}</p>
      ${cta}
    </section>
    <section aria-labelledby="features"><h2 id="features">${t('landing.features_title')}</h2>
      <div class="grid">${FEATURES.map(([title, text]) => html`<div class="card"><h3>${t(title)}</h3><p>${t(text)}</p></div>`)}</div>
    </section>
    <section aria-labelledby="how" class="card"><h2 id="how">${t('landing.how_title')}</h2>
      <ol class="steps">${STEPS.map((k) => html`<li>${t(k)}</li>`)}</ol>
    </section>
    <section aria-labelledby="pricing"><h2 id="pricing">${t('landing.pricing_title')}</h2>
      <p class="muted">${t('landing.pricing_text')}</p>
      <${Pricing} />
    </section>
    <section class="hero"><h2>${t('landing.cta_title')}</h2>${cta}</section>`;
}
