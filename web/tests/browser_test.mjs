// The dashboard in Debian's Chromium (headless, driven by playwright-core) against the test
// platform that infra/test.sh starts: sign-up, checkout through the Stripe sandbox, a sandbox
// call arriving live, the call list's filters and pages in the URL, CSV, the language switch,
// the admin area, agents built through the wizard (autosave, resume, AI texts, voices, publish,
// edit, test call, deactivate, delete), the admin's agents and number pool, Google connected and
// declined through the sandbox's consent page, the appointment duration, the bookings list, the
// e-mail preferences, outgoing webhooks (secret once, test event, log, replay, rotation, delete),
// axe-core on every page, and a screenshot of every page at 1280 and 375 px in KX_WEB_OUTPUT_DIR.
// Agents are created through the API (or the wizard) with a number from the pool, as an owner
// would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID, createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(web, '..');
const GATEWAY = required('KX_TEST_GATEWAY_URL');
const SANDBOX = required('SANDBOX_URL');
const OUT = process.env.KX_WEB_OUTPUT_DIR ?? join(root, 'build/test-output/web');
const de = JSON.parse(readFileSync(join(web, 'i18n/de.json'), 'utf8'));
const en = JSON.parse(readFileSync(join(web, 'i18n/en.json'), 'utf8'));
const axeSource = readFileSync(join(web, 'node_modules/axe-core/axe.min.js'), 'utf8');

/** @param {string} name */
function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through infra/test.sh)`);
  return v;
}

/** @type {import('playwright-core').Browser} */
let browser;
/** Pages checked with axe and photographed, for the summary check at the end. */
const covered = new Set();

before(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.KX_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
});

after(async () => {
  await browser?.close();
});

/** A fresh browser profile (cookies, storage) at desktop size, German, Berlin time. */
async function newPage(options = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 }, locale: 'de-DE', timezoneId: 'Europe/Berlin', baseURL: GATEWAY,
    acceptDownloads: true, bypassCSP: true, ...options,
  });
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return Object.assign(page, { errors });
}

/** Waits until no loading indicator is left. @param {import('playwright-core').Page} page */
async function settled(page) {
  await page.waitForFunction(() => document.querySelector('main') && !document.querySelector('.state[role=status]') && !document.documentElement.hasAttribute('data-loading'), null, { timeout: 20_000 });
}

/**
 * axe-core (no serious or critical violation) and screenshots at 1280 and 375 px.
 * @param {import('playwright-core').Page} page @param {string} name
 */
async function check(page, name) {
  await settled(page);
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    // @ts-ignore injected above
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((/** @type {any} */ v) => v.impact === 'serious' || v.impact === 'critical')
      .map((/** @type {any} */ v) => `${v.id} (${v.impact}): ${v.nodes.map((/** @type {any} */ n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], `axe on ${name}`);
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: width === 375 ? 812 : 900 });
    await settled(page);
    await page.screenshot({ path: join(OUT, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.deepEqual(page.errors ?? [], [], `script errors on ${name}`);
  covered.add(name);
}

/**
 * check() in the dark theme (the screenshots named `<name>-dark`), then back to the light one.
 * @param {import('playwright-core').Page} page @param {string} name
 */
async function checkDark(page, name) {
  await page.emulateMedia({ colorScheme: 'dark' });
  await check(page, `${name}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
}

/** @param {string} prefix */
function email(prefix) {
  return `${prefix}-${randomUUID().slice(0, 8)}@browser-test.kametrix.example`;
}

/** Signs up through the page and returns the page on the overview. */
async function signUp(prefix = 'owner') {
  const page = await newPage();
  const address = email(prefix);
  await page.goto('/signup');
  await page.getByLabel(de['field.name_optional']).fill('Anna Müller');
  await page.getByLabel(de['field.email']).fill(address);
  await page.getByLabel(de['field.password']).fill('Sonnenblume-7-Fenster');
  const registered = page.waitForResponse((r) => r.url().endsWith('/api/auth/register'));
  await page.getByRole('button', { name: de['signup.submit'] }).click();
  const body = await (await registered).json();
  await page.waitForURL('**/overview');
  await settled(page);
  return { page, email: address, user: body.user };
}

/** @param {string} sql */
function psql(sql) {
  return execFileSync('psql', ['-X', '-q', '-t', '-A', required('KX_TEST_PG_URI'), '-c', sql], { encoding: 'utf8' }).trim();
}

/** Waits for `probe` to return a truthy value (no fixed sleeps). @template T @param {() => T | Promise<T>} probe */
async function eventually(probe, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A request with the page's session and CSRF token, as the dashboard sends it.
 * @param {import('playwright-core').Page} page @param {string} method @param {string} path @param {unknown} [body]
 */
async function apiCall(page, method, path, body) {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'kx_csrf')?.value ?? '';
  const res = await page.request.fetch(path, {
    method, headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/json', Accept: 'application/json' },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status(), body: text ? JSON.parse(text) : null };
}

/** A fresh German number that Vapi (the sandbox) has; returns its E.164. */
async function vapiNumber() {
  const e164 = `+4930${String(Date.now()).slice(-6)}${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
  const res = await fetch(`${SANDBOX}/vapi/phone-number`, {
    method: 'POST', headers: { Authorization: `Bearer ${required('VAPI_API_KEY')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ provider: 'byo-phone-number', number: e164, name: 'Browser-Test' }),
  });
  assert.ok(res.ok, `sandbox refused the number: ${res.status} ${await res.text()}`);
  return e164;
}

/** Adds a number that Vapi has to the pool, as an admin. @param {import('playwright-core').Page} admin */
async function poolNumber(admin) {
  const e164 = await vapiNumber();
  const added = await apiCall(admin, 'POST', '/api/admin/phone-numbers', { e164 });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  return added.body;
}

/**
 * An agent of the page's owner created through the API with a pool number, once it is live:
 * synced to the sandbox's Vapi and in telephony-webhook's routing copy.
 * @param {import('playwright-core').Page} owner @param {import('playwright-core').Page} admin
 */
async function createAgent(owner, admin, extra = {}) {
  await verifyOwner(owner);
  await poolNumber(admin);
  const body = {
    ...extra,
    name: 'Empfang Salon Müller', business_type: 'salon', greeting: 'Salon Müller, guten Tag! Was kann ich für Sie tun?',
    escalation: {
      enabled: true, forwarding_number: '030 12345600', voicemail: true, max_clarifications: 3,
      business_hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '23:59' },
    },
  };
  // The agent service learns of the verification through user.updated: until then it may refuse.
  let created = await apiCall(owner, 'POST', '/api/agents', body);
  await eventually(async () => {
    if (created.status === 201 || created.status === 422) return true;
    created = await apiCall(owner, 'POST', '/api/agents', body);
    return created.status === 201;
  }, 20_000).catch(() => undefined);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.escalation.forwarding_number, '+493012345600');
  const agent = await eventually(async () => {
    const a = (await apiCall(owner, 'GET', `/api/agents/${created.body.id}`)).body;
    return a.sync_state === 'synced' && a.phone_number && a.vapi_assistant_id ? a : null;
  });
  const pool = (await apiCall(admin, 'GET', `/api/admin/phone-numbers?q=${agent.phone_number.slice(1)}`)).body.phone_numbers;
  const number = pool.find((/** @type {any} */ n) => n.e164 === agent.phone_number);
  await eventually(() => psql(`SELECT count(*) FROM telephony_webhook.phone_numbers p JOIN telephony_webhook.agents a USING (agent_id) WHERE p.vapi_phone_number_id = '${number.vapi_phone_number_id}' AND a.agent_id = '${agent.id}'`) === '1');
  return { id: agent.id, assistant: agent.vapi_assistant_id, number: number.vapi_phone_number_id, e164: agent.phone_number };
}

/** A whole call through the Vapi sandbox; returns Vapi's call id. */
async function simulateCall(agent, extra = {}) {
  const res = await fetch(`${SANDBOX}/vapi/simulate/call`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(extra.web ? { assistant_id: agent.assistant, web: true } : { phone_number_id: agent.number, phone_number: agent.e164, duration_seconds: 95, ...extra }),
  });
  const body = await res.json();
  assert.equal(body.outcome, 'simulated', JSON.stringify(body));
  return body.call_id;
}

/** A signed-in admin (kx-auth create-admin prints a one-time password). */
async function adminPage() {
  const address = email('admin');
  const env = { ...process.env, DATABASE_URL: `postgresql://kx_auth:${required('DB_PASSWORD_AUTH')}@127.0.0.1:${required('PG_PORT')}/kametrix` };
  const out = execFileSync(join(root, 'build/services/auth/kx-auth'), ['create-admin', '--email', address], { env, encoding: 'utf8' });
  const password = out.trim().split('\n').pop()?.split(': ').pop() ?? '';
  const page = await newPage();
  await page.goto('/login');
  await page.getByLabel(de['field.email']).fill(address);
  await page.getByLabel(de['field.password']).fill(password);
  await page.getByRole('button', { name: de['login.submit'] }).click();
  await page.waitForURL('**/overview');
  return page;
}

/**
 * Waits until the locator's text satisfies `ok` (pages keep old data on screen while reloading).
 * @param {import('playwright-core').Locator} locator @param {(text: string) => boolean} ok
 */
async function waitText(locator, ok, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await locator.innerText();
    if (ok(text)) return text;
    if (Date.now() > deadline) throw new Error(`text stayed "${text}"`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The euro amount in an element as cents ("1.234,50 €" -> 123450). @param {string} text */
function cents(text) {
  return Math.round(Number(text.replace(/[^\d,-]/g, '').replace(',', '.')) * 100);
}

/**
 * The newest link to `path` (/verify-email or /reset-password) in a mail to `to`, as a path with
 * its query, once such a mail has arrived (the sandbox keeps every mail the platform sends).
 * @param {string} to @param {string} path @param {Set<string>} [skip] links already used
 */
async function mailLink(to, path, skip = new Set()) {
  const pattern = new RegExp(`${path.replace('/', '\\/')}\\?token=[A-Za-z0-9_.~%-]+`);
  return eventually(async () => {
    const list = await (await fetch(`${SANDBOX}/mail/api/messages?limit=50&to=${encodeURIComponent(to)}`)).json();
    for (const m of list) {
      const mail = await (await fetch(`${SANDBOX}/mail/api/messages/${m.id}`)).json();
      const found = `${mail.text ?? ''}\n${mail.html ?? ''}`.replaceAll('&amp;', '&').match(pattern);
      if (found && !skip.has(found[0])) return found[0];
    }
    return null;
  }, 60_000);
}

/**
 * Confirms the owner's address with the link of the verification mail (new owners must before an
 * agent can go live), if it is not confirmed yet.
 * @param {import('playwright-core').Page} page
 */
async function verifyOwner(page) {
  const me = (await apiCall(page, 'GET', '/api/auth/me')).body.user;
  if (me.email_verified !== false) return;
  const link = await mailLink(me.email, '/verify-email');
  const token = new URL(link, GATEWAY).searchParams.get('token');
  const verified = await apiCall(page, 'POST', '/api/auth/verify', { token });
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
}

/** Signs in `address` in a fresh browser profile and returns the page on the overview. @param {string} address @param {string} password */
async function signIn(address, password) {
  const page = await newPage();
  await page.goto('/login');
  await page.getByLabel(de['field.email'], { exact: true }).fill(address);
  await page.getByLabel(de['field.password'], { exact: true }).fill(password);
  await page.getByRole('button', { name: de['login.submit'] }).click();
  await page.waitForURL('**/overview');
  await settled(page);
  return page;
}

test('public pages: landing with pricing from the packs, legal pages from configuration, 404, error page', async () => {
  const page = await newPage();
  await page.goto('/');
  await settled(page);
  const packs = await (await fetch(`${GATEWAY}/api/public/packs`)).json();
  assert.equal(await page.getByTestId('pack').count(), packs.items.length);
  assert.ok(packs.items.length > 0);
  await check(page, 'landing');
  await page.goto('/impressum');
  await settled(page);
  const legal = await (await fetch(`${GATEWAY}/api/public/legal`)).json();
  assert.ok(legal.operator_name, 'LEGAL_OPERATOR_NAME is configured for the test platform');
  assert.match(await page.getByTestId('operator').innerText(), new RegExp(legal.operator_name.replace(/[()]/g, '.')));
  await check(page, 'impressum');
  await page.goto('/datenschutz');
  await check(page, 'datenschutz');
  const missing = await page.goto('/gibt-es-nicht');
  assert.equal(missing?.status(), 404);
  await page.getByRole('heading', { name: de['notfound.title'] }).waitFor();
  await check(page, 'not-found');
  await page.goto('/error?request_id=3f1c0a52-6b8e-4d2f-9a51-0c7d2e4b9f13');
  assert.equal(await page.getByTestId('request-id').innerText(), '3f1c0a52-6b8e-4d2f-9a51-0c7d2e4b9f13');
  await check(page, 'error');
  await page.goto('/login');
  await check(page, 'login');
  await page.goto('/signup');
  await page.getByLabel(de['field.password']).fill('kurz');
  await page.getByText(de['password.too_short']).waitFor();
  await check(page, 'signup');
  await page.context().close();
});

test('the app runs under the Content-Security-Policy (no inline script, hashed import map)', async () => {
  const page = await newPage({ bypassCSP: false });
  /** @type {string[]} */
  const violations = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const res = await page.goto('/');
  assert.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self' 'sha256-/);
  await page.getByRole('heading', { name: de['landing.hero_title'] }).waitFor();
  assert.deepEqual(violations, []);
  await page.context().close();
});

test('sign-up shows the strength the server computes, then the overview; the URL keeps working after a reload', async () => {
  const page = await newPage();
  await page.goto('/signup');
  const address = email('strength');
  await page.getByLabel(de['field.email']).fill(address);
  for (const [password, score] of [['Sonnenblume-7-Fenster', 4], ['abcdefgh', 1], ['Abcdefgh1234', 3]]) {
    await page.getByLabel(de['field.password']).fill(password);
    assert.equal(await page.locator('[data-testid=strength] p').getAttribute('data-score'), String(score), password);
  }
  const registered = page.waitForResponse((r) => r.url().endsWith('/api/auth/register'));
  await page.getByRole('button', { name: de['signup.submit'] }).click();
  const body = await (await registered).json();
  assert.equal(body.password_strength.score, 3);
  await page.waitForURL('**/overview');
  await settled(page);
  assert.equal(await page.getByTestId('whoami').innerText(), address);
  await page.reload();
  await settled(page);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), de['overview.title']);
  await page.context().close();
});

test('an owner buys a pack through the sandbox checkout and sees the balance rise, live and in the history', async () => {
  const { page } = await signUp('buyer');
  await page.goto('/credits');
  await settled(page);
  const before = cents(await page.getByTestId('balance').innerText());
  await check(page, 'credits');
  await page.getByRole('button', { name: de['credits.buy_pack'].replace('{name}', 'Starter') }).click();
  await page.waitForURL(`${SANDBOX}/**`);
  await page.screenshot({ path: join(OUT, 'sandbox-checkout-1280.png') });
  await page.getByRole('button', { name: 'Bezahlen' }).click();
  await page.waitForURL('**/credits/success?**');
  await page.getByTestId('checkout-done').waitFor({ timeout: 30_000 });
  const after = cents(await page.getByTestId('balance').innerText());
  assert.equal(after, before + 1000);
  await check(page, 'checkout-success');
  await page.goto('/credits?type=purchase');
  await settled(page);
  assert.match(await page.getByTestId('transactions').innerText(), /10,00\s€/);
  await page.context().close();
});

test('a sandbox call appears live, then in the list and the detail with its German transcript; filters, pages and CSV', async () => {
  const { page, user } = await signUp('calls');
  const admin = await adminPage();
  const agent = await createAgent(page, admin);
  await admin.context().close();
  await page.goto('/overview');
  await settled(page);
  await page.getByText(de['live.connected'], { exact: true }).waitFor();
  await simulateCall(agent, { duration_seconds: 125, transfer: true });
  // Without a reload: the live feed, then the recent calls.
  await page.getByTestId('live-feed').getByText(/Anruf beendet: \+49\d+/).waitFor({ timeout: 15_000 });
  await page.getByTestId('calls-table').locator('tr[data-call-id]').first().waitFor({ timeout: 15_000 });
  await check(page, 'overview');
  await checkDark(page, 'overview');

  await simulateCall(agent);
  await simulateCall(agent, { web: true });
  await eventually(() => psql(`SELECT count(*) FROM telephony_webhook.calls WHERE user_id = '${user.id}' AND ended_at IS NOT NULL`) === '3');

  await page.goto('/calls?limit=2');
  await settled(page);
  const rows = page.getByTestId('calls-table').locator('tr[data-call-id]');
  assert.equal(await rows.count(), 2);
  await page.getByRole('button', { name: de['pager.next'] }).click();
  await page.waitForURL(/cursor=.*at=2|at=2.*cursor=/);
  await settled(page);
  // The second page replaces the first once its request is answered.
  await eventually(async () => (await rows.count()) === 1, 10_000);
  await page.reload();
  await settled(page);
  assert.equal(await rows.count(), 1, 'the page survives a reload');
  await check(page, 'calls');

  // The caller filter (the web call has no number) lives in the URL.
  await page.goto('/calls');
  await settled(page);
  await page.getByLabel(de['calls.col_caller']).fill(agent.e164.slice(3, 9));
  await page.getByRole('button', { name: de['action.filter'] }).click();
  await page.waitForURL(/caller=/);
  await settled(page);
  // The filtered list replaces the full one once its request is answered.
  await eventually(async () => (await rows.count()) === 0, 10_000);
  await page.goto('/calls?status=completed&caller=4915112345678');
  await settled(page);
  const filtered = await rows.count();
  await page.reload();
  await settled(page);
  assert.equal(await rows.count(), filtered);
  assert.equal(await page.getByLabel(de['calls.col_status']).inputValue(), 'completed');

  const download = page.waitForEvent('download');
  await page.getByTestId('csv').click();
  const csv = readFileSync(await (await download).path(), 'utf8');
  assert.ok(csv.startsWith('\uFEFFcall_id'), csv.slice(0, 40));
  assert.equal(csv.trim().split('\r\n').length, filtered + 1);

  await page.goto('/calls');
  await settled(page);
  await rows.first().getByRole('link').first().click();
  await page.waitForURL(/\/calls\/[0-9a-f-]+$/);
  await settled(page);
  const transcript = await page.getByTestId('transcript').innerText();
  assert.match(transcript, /Ich hätte gern einen Termin\./);
  // The analysis' structured data under readable labels, booleans as yes/no.
  assert.match(await page.getByTestId('analysis').innerText(), new RegExp(`Callback requested\\s+${de['common.no']}`));
  await check(page, 'call');
  await checkDark(page, 'call');

  await page.goto('/escalations');
  await settled(page);
  assert.match(await page.getByTestId('escalations-table').innerText(), /\+493012345600/);
  await check(page, 'escalations');
  await page.goto('/settings');
  await check(page, 'settings');
  await page.context().close();
});

test('the language switch changes every visible string and is remembered', async () => {
  const { page } = await signUp('language');
  for (const path of ['/overview', '/agents', '/agents/new', '/credits', '/calls', '/settings']) {
    await page.goto(path);
    await settled(page);
    await page.getByTestId('language').first().selectOption('en');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await settled(page);
    const texts = await page.evaluate(() => {
      const out = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const text = n.textContent?.trim();
        if (text) out.push(text);
      }
      for (const el of document.querySelectorAll('[aria-label],[placeholder],[title]')) {
        for (const a of ['aria-label', 'placeholder', 'title']) {
          const v = el.getAttribute(a);
          if (v) out.push(v);
        }
      }
      return out;
    });
    const germanOnly = new Set(Object.keys(de).filter((k) => de[k] !== en[k] && !de[k].includes('{')).map((k) => de[k]));
    const left = texts.filter((t) => germanOnly.has(t));
    assert.deepEqual(left, [], `German strings left on ${path} in English`);
    await page.reload();
    await settled(page);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en', 'remembered after a reload');
    await page.getByTestId('language').first().selectOption('de');
    await page.waitForFunction(() => document.documentElement.lang === 'de');
  }
  await page.context().close();
});

test('a non-admin gets no admin page and the API refuses; an admin adjusts credits and the owner sees it', async () => {
  const { page: owner, email: ownerEmail, user } = await signUp('adjusted');
  assert.equal(await owner.getByRole('link', { name: de['nav.admin'] }).count(), 0);
  await owner.goto('/admin');
  await owner.getByRole('heading', { name: de['forbidden.title'] }).waitFor();
  const refused = await owner.request.get('/api/admin/users');
  assert.equal(refused.status(), 403);

  const admin = await adminPage();
  await admin.goto('/admin');
  await check(admin, 'admin-stats');
  await checkDark(admin, 'admin-stats');
  await admin.goto(`/admin/users?q=${encodeURIComponent(ownerEmail)}`);
  await settled(admin);
  await check(admin, 'admin-users');
  await admin.getByRole('link', { name: ownerEmail }).click();
  await admin.waitForURL(`**/admin/users/${user.id}`);
  await settled(admin);
  const before = cents(await admin.getByTestId('admin-balance').innerText());
  await admin.getByLabel(de['admin.adjust_amount']).fill('5,00');
  await admin.getByLabel(de['admin.adjust_reason']).fill('Kulanz für den Testanruf – Grüße');
  await admin.getByRole('button', { name: de['admin.adjust_submit'] }).click();
  await admin.getByText(/Gebucht\. Neues Guthaben/).waitFor();
  await waitText(admin.getByTestId('admin-balance'), (t) => cents(t) === before + 500);
  await check(admin, 'admin-user');
  for (const [path, name] of [['/admin/billing', 'admin-billing'], ['/admin/disputes', 'admin-disputes'], ['/admin/calls', 'admin-calls'], ['/admin/escalations', 'admin-escalations']]) {
    await admin.goto(path);
    await check(admin, name);
  }

  await owner.goto('/credits?type=admin_adjustment');
  await settled(owner);
  const history = await owner.getByTestId('transactions').innerText();
  assert.match(history, /5,00\s€/);
  assert.match(history, /Korrektur/);
  await admin.context().close();
  await owner.context().close();
});

test('keyboard only: skip link, log in, navigate, log out', async () => {
  const { email: address, page: first } = await signUp('keyboard');
  await first.context().close();
  const page = await newPage();
  await page.goto('/');
  await settled(page);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), de['nav.skip']);
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
  await page.goto('/login');
  await settled(page);
  /** Presses Tab until the element with `id` has the focus. @param {string} id */
  const tabTo = async (id) => {
    for (let i = 0; i < 15; i++) {
      if (await page.evaluate(() => document.activeElement?.id) === id) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached #${id}`);
  };
  await tabTo('email');
  await page.keyboard.type(address);
  await page.keyboard.press('Tab');
  await page.keyboard.type('Sonnenblume-7-Fenster');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/overview');
  await settled(page);
  const focusVisible = await page.evaluate(() => {
    const link = /** @type {HTMLElement} */ (document.querySelector('.mainnav a[href="/credits"]'));
    link.focus();
    return getComputedStyle(link).outlineStyle;
  });
  assert.equal(focusVisible, 'solid', 'focused links show an outline');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/credits');
  await page.getByRole('button', { name: de['nav.logout'] }).focus();
  await page.keyboard.press('Enter');
  await page.waitForURL('**/login');
  const after = await page.request.get('/api/auth/me');
  assert.equal(after.status(), 401);
  await page.context().close();
});

test('a signed-out visitor of a page goes to the login and comes back to the same URL', async () => {
  const { email: address, page: first } = await signUp('return');
  await first.context().close();
  const page = await newPage();
  await page.goto('/calls?status=completed&offset=0');
  await page.waitForURL('**/login?next=*');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/calls?status=completed&offset=0');
  await page.getByLabel(de['field.email']).fill(address);
  await page.getByLabel(de['field.password']).fill('Sonnenblume-7-Fenster');
  await page.getByRole('button', { name: de['login.submit'] }).click();
  await page.waitForURL('**/calls?status=completed&offset=0');
  await settled(page);
  assert.equal(await page.getByLabel(de['calls.col_status']).inputValue(), 'completed');
  await page.context().close();
});

/**
 * Waits until the wizard's autosave indicator says "Gespeichert".
 * @param {import('playwright-core').Page} page
 */
async function savedDraft(page) {
  await page.locator('[data-testid=save-state][data-state=saved]').waitFor({ timeout: 15_000 });
}

/** Goes to the next wizard step. @param {import('playwright-core').Page} page @param {number} n */
async function nextStep(page, n) {
  await page.getByRole('button', { name: de['wizard.next'], exact: true }).click();
  await page.waitForURL(new RegExp(`step=${n}`));
  await settled(page);
}

test('a new owner builds an agent through the wizard: detected type, AI questions, voice, E.164 number, resume, publish, edit, test, deactivate, delete', async () => {
  const admin = await adminPage();
  await poolNumber(admin);
  await poolNumber(admin);
  const { page } = await signUp('wizard');
  await verifyOwner(page);
  await page.goto('/agents');
  await settled(page);
  await page.getByRole('heading', { name: de['agents.empty_title'] }).waitFor();
  await check(page, 'agents-empty');

  // Step 1: the first change creates the draft and the URL becomes the draft's.
  await page.getByTestId('new-agent').click();
  await page.waitForURL('**/agents/new');
  await page.getByLabel(de['agent.name'], { exact: true }).fill('Salon Müller');
  await page.waitForURL(/\/agents\/drafts\/[0-9a-f-]+\?step=1/);
  const draftUrl = page.url();
  await page.getByLabel(de['agent.description']).fill('Wir sind ein Friseursalon in Berlin-Mitte: Damen- und Herrenhaarschnitte, Färben, Strähnchen und Hochsteckfrisuren für Hochzeiten.');
  await page.getByTestId('type-detected').getByText(de['business_type.salon']).waitFor({ timeout: 15_000 });
  assert.equal(await page.getByLabel(de['agent.business_type']).inputValue(), 'salon');
  // Split hours on Monday: 09:00–12:00 and 14:00–18:00.
  const monday = page.locator('[data-day=mon]');
  await monday.getByLabel(de['agent.range_to'].replace('{day}', de['weekday.mon']).replace('{n}', '1')).fill('12:00');
  await monday.getByRole('button', { name: de['agent.add_range_on'].replace('{day}', de['weekday.mon']) }).click();
  await monday.getByLabel(de['agent.range_from'].replace('{day}', de['weekday.mon']).replace('{n}', '2')).fill('14:00');
  await monday.getByLabel(de['agent.range_to'].replace('{day}', de['weekday.mon']).replace('{n}', '2')).fill('18:00');
  await page.getByRole('button', { name: de['agent.add_service'] }).click();
  await page.getByLabel(de['agent.service_n'].replace('{n}', '1'), { exact: true }).fill('Damenhaarschnitt');
  await savedDraft(page);
  await check(page, 'wizard-business');

  // A reload resumes the draft where it was.
  await page.reload();
  await settled(page);
  assert.equal(page.url(), draftUrl);
  assert.equal(await page.getByLabel(de['agent.name'], { exact: true }).inputValue(), 'Salon Müller');
  assert.equal(await monday.getByLabel(de['agent.range_from'].replace('{day}', de['weekday.mon']).replace('{n}', '2')).inputValue(), '14:00');

  // Step 2: questions written by the language model (the sandbox's).
  await nextStep(page, 2);
  await page.getByTestId('generate-faqs').click();
  await page.getByTestId('faqs').locator('li').first().waitFor({ timeout: 30_000 });
  assert.notEqual(await page.getByLabel(de['agent.answer_n'].replace('{n}', '1')).inputValue(), '');
  await savedDraft(page);
  await check(page, 'wizard-knowledge');

  // Step 3: a voice with its preview.
  await nextStep(page, 3);
  const radios = page.getByRole('radio');
  assert.ok(await radios.count() >= 2, 'several German voices');
  const preview = page.waitForResponse((r) => /\/api\/voices\/[^/]+\/preview$/.test(r.url()));
  await page.locator('.voice').first().getByRole('button').click();
  const audio = await preview;
  assert.equal(audio.status(), 200);
  assert.match(audio.headers()['content-type'] ?? '', /^audio\//);
  await radios.nth(1).check();
  const voiceId = await radios.nth(1).getAttribute('value');
  await savedDraft(page);
  await check(page, 'wizard-voice');

  // Step 4 is left without a greeting: publishing must send the owner back to it.
  await nextStep(page, 4);
  await page.getByLabel(de['agent.assistant_name']).fill('Lena');
  await savedDraft(page);
  await check(page, 'wizard-greeting');

  // Step 5: the number as people type it comes back in E.164.
  await nextStep(page, 5);
  await page.getByLabel(de['agent.escalation_enabled']).check();
  await page.getByLabel(de['agent.forwarding_number']).fill('030 1234567');
  await page.getByLabel(de['agent.fallback_number']).focus();
  await savedDraft(page);
  await eventually(async () => (await page.getByLabel(de['agent.forwarding_number']).inputValue()) === '+49301234567', 10_000);
  await check(page, 'wizard-forwarding');
  await page.reload();
  await settled(page);
  assert.match(page.url(), /step=5/);
  assert.equal(await page.getByLabel(de['agent.forwarding_number']).inputValue(), '+49301234567');

  // Step 6: the review; publishing without a greeting opens step 4 with the error next to it.
  await nextStep(page, 6);
  assert.match(await page.getByTestId('review').innerText(), /\+49301234567/);
  await check(page, 'wizard-review');
  await page.getByTestId('publish').click();
  await page.waitForURL(/step=4/);
  await page.locator(`#f-greeting-error`).waitFor();
  assert.equal(await page.getByRole('textbox', { name: de['agent.greeting'] }).getAttribute('aria-invalid'), 'true');
  await page.getByTestId('generate-greeting').click();
  await eventually(async () => (await page.getByRole('textbox', { name: de['agent.greeting'] }).inputValue()) !== '', 30_000);
  await savedDraft(page);
  await page.goto(draftUrl.replace('step=1', 'step=6'));
  await settled(page);
  await page.getByTestId('publish').click();
  await page.waitForURL(/\/agents\/[0-9a-f-]+\?created=1$/);
  const agentId = new URL(page.url()).pathname.split('/').pop();
  await settled(page);

  // The agent gets a pool number and reaches the sandbox's Vapi.
  await waitText(page.getByTestId('sync-state'), (text) => text === de['agent.sync_synced'], 45_000);
  await waitText(page.getByTestId('agent-number'), (text) => /^\+49( \d+)+$/.test(text));
  const agent = (await apiCall(page, 'GET', `/api/agents/${agentId}`)).body;
  assert.equal(agent.voice_id, voiceId);
  assert.equal(agent.escalation.forwarding_number, '+49301234567');
  assert.deepEqual(agent.business.opening_hours.mon, [{ start: '09:00', end: '12:00' }, { start: '14:00', end: '18:00' }]);
  await check(page, 'agent');

  // Editing the greeting reaches the assistant in the sandbox.
  await page.getByRole('link', { name: de['wizard.step_greeting'], exact: true }).click();
  await page.waitForURL(/section=4/);
  await page.getByRole('textbox', { name: de['agent.greeting'] }).fill('Salon Müller, schön dass Sie anrufen! Wie kann ich helfen?');
  await page.getByTestId('save-agent').click();
  await page.getByText(de['agent.saved']).waitFor();
  await eventually(async () => {
    const res = await fetch(`${SANDBOX}/vapi/assistant/${agent.vapi_assistant_id}`, { headers: { Authorization: `Bearer ${required('VAPI_API_KEY')}` } });
    return res.ok && (await res.json()).firstMessage === 'Salon Müller, schön dass Sie anrufen! Wie kann ich helfen?';
  });
  await waitText(page.getByTestId('sync-state'), (text) => text === de['agent.sync_synced'], 45_000);

  // The simulated test call plays a whole conversation.
  await page.getByTestId('start-test').click();
  await page.getByTestId('test-outcome').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('test-outcome').innerText().then((x) => x.startsWith(de['agent.test_answered'])), true);
  assert.ok(await page.getByTestId('test-transcript').locator('li').count() >= 2);
  await check(page, 'agent-test-call');

  // The card on the list, deactivation, deletion.
  await page.goto('/agents');
  await settled(page);
  const card = page.locator(`[data-agent-id="${agentId}"]`);
  assert.equal(await card.getByTestId('sync-state').innerText(), de['agent.sync_synced']);
  assert.match(await card.getByTestId('agent-number').innerText(), /^\+49( \d+)+$/);
  await check(page, 'agents');
  await card.getByTestId('toggle-agent').click();
  await waitText(card.getByTestId('agent-status'), (text) => text === de['agent.status_inactive']);
  await card.getByTestId('delete-agent').click();
  const dialog = page.getByRole('dialog');
  assert.match(await dialog.innerText(), /Anrufe und Ihre Abrechnung bleiben erhalten/);
  await check(page, 'agent-delete-dialog');
  await dialog.getByRole('button', { name: de['agent.delete_confirm'] }).click();
  await card.waitFor({ state: 'detached' });
  assert.equal((await apiCall(page, 'GET', `/api/agents/${agentId}`)).status, 404);
  const released = (await apiCall(admin, 'GET', '/api/admin/phone-numbers')).body.phone_numbers.find((/** @type {any} */ n) => n.e164 === agent.phone_number);
  assert.equal(released?.status, 'available', 'deleting the agent released its number');
  await admin.context().close();
  await page.context().close();
});

test('two tabs on one draft: the older one is told and can load the newer version', async () => {
  const { page } = await signUp('conflict');
  const created = await apiCall(page, 'POST', '/api/agents/drafts', { step: 1, state: { name: 'Praxis Dr. Weber' } });
  assert.equal(created.status, 201);
  await page.goto(`/agents/drafts/${created.body.id}?step=1`);
  await settled(page);
  const other = await apiCall(page, 'PUT', `/api/agents/drafts/${created.body.id}`, { version: created.body.version, step: 1, state: { name: 'Praxis Dr. Weber & Kollegen' } });
  assert.equal(other.status, 200);
  await page.getByLabel(de['agent.description']).fill('Hausarztpraxis mit Sprechstunde und Impfungen.');
  await page.getByTestId('conflict').waitFor({ timeout: 15_000 });
  await check(page, 'wizard-conflict');
  await page.getByRole('button', { name: de['wizard.load_newer'] }).click();
  assert.equal(await page.getByLabel(de['agent.name'], { exact: true }).inputValue(), 'Praxis Dr. Weber & Kollegen');
  await page.getByLabel(de['agent.description']).fill('Hausarztpraxis mit Sprechstunde und Impfungen.');
  await savedDraft(page);
  await page.goto('/agents');
  await settled(page);
  assert.match(await page.getByTestId('drafts').innerText(), /Praxis Dr\. Weber & Kollegen/);
  await page.context().close();
});

test('admin: agents with filters in the URL, the number pool: adding, CSV import, search, release and reassignment', async () => {
  const admin = await adminPage();
  const { page: owner } = await signUp('pool');
  const agent = await createAgent(owner, admin);
  await admin.goto('/admin/agents?status=active');
  await settled(admin);
  await admin.locator(`[data-agent-id="${agent.id}"]`).waitFor();
  await admin.reload();
  await settled(admin);
  assert.equal(await admin.getByLabel(de['agent.status'], { exact: true }).inputValue(), 'active');
  await check(admin, 'admin-agents');
  await admin.locator(`[data-agent-id="${agent.id}"]`).getByRole('link').first().click();
  await admin.waitForURL(`**/admin/agents/${agent.id}`);
  await settled(admin);
  await check(admin, 'admin-agent');

  await admin.goto('/admin/phone-numbers');
  await settled(admin);
  const one = await vapiNumber();
  await admin.getByLabel(de['admin.numbers.number'], { exact: true }).fill(one);
  await admin.getByRole('button', { name: de['admin.numbers.add_submit'] }).click();
  await admin.locator('form[aria-labelledby="add-number"] [role="status"]').waitFor();
  // The pool is paged by number: the search finds the new one.
  await admin.getByRole('searchbox', { name: de['admin.numbers.search'] }).fill(one.slice(3));
  await admin.getByRole('button', { name: de['admin.numbers.search_submit'] }).click();
  await admin.waitForURL(/q=/);
  await settled(admin);
  await admin.locator(`[data-number="${one}"]`).waitFor();
  const two = await vapiNumber();
  await admin.getByLabel(de['admin.numbers.csv_file']).setInputFiles({ name: 'nummern.csv', mimeType: 'text/csv', buffer: Buffer.from(`${two}\nkeine-nummer\n`) });
  await admin.getByRole('button', { name: de['admin.numbers.import_submit'] }).click();
  await admin.getByTestId('import-result').waitFor();
  assert.match(await admin.getByTestId('import-result').innerText(), /1 hinzugefügt, 1 übersprungen/);
  await admin.goto(`/admin/phone-numbers?q=${two.slice(1)}`);
  await settled(admin);
  await admin.locator(`[data-number="${two}"]`).waitFor();
  await admin.goto(`/admin/phone-numbers?q=${agent.e164.slice(1)}`);
  await settled(admin);
  // Released: once Vapi and telephony know, the number is free and the agent, waiting now, is
  // given the oldest free number (the shared test pool is never empty).
  const row = admin.locator(`[data-number="${agent.e164}"]`);
  await row.getByRole('button', { name: de['admin.numbers.release'] }).click();
  await admin.getByRole('dialog').getByRole('button', { name: de['admin.numbers.release_confirm'] }).click();
  await row.getByText(de['admin.numbers.status_available'], { exact: true }).waitFor();
  const moved = await eventually(async () => {
    const a = (await apiCall(owner, 'GET', `/api/agents/${agent.id}`)).body;
    return a.phone_number && a.phone_number !== agent.e164 ? a : null;
  });
  assert.notEqual(moved.phone_number, agent.e164);
  await check(admin, 'admin-numbers');
  await admin.context().close();
  await owner.context().close();
});

// The Google card, the appointment duration and the bookings list run against the integrations
// service's dashboard API (docs/api.md, "Integrations"); connecting goes through the sandbox's
// Google consent page.

/** Opens /integrations once the Google card shows its state. @param {import('playwright-core').Page} page */
async function openIntegrations(page) {
  await page.goto('/integrations');
  await settled(page);
  const failed = page.locator('main .form-error');
  if (await failed.count()) assert.fail(`/integrations shows an error: ${await failed.first().innerText()}`);
}

test('integrations: the Google card before connecting, the appointment duration kept across a reload and refused when invalid; the empty bookings point there', async () => {
  const { page } = await signUp('integrations');
  await openIntegrations(page);
  const card = page.getByTestId('google-card');
  await card.getByRole('button', { name: de['integrations.connect'] }).waitFor();
  assert.match(await card.innerText(), /Google Kalender/);
  assert.equal(await page.getByTestId('google-result').count(), 0);
  await check(page, 'integrations');
  await checkDark(page, 'integrations');

  const duration = page.getByLabel(de['integrations.duration_label']);
  assert.equal(await duration.inputValue(), String((await apiCall(page, 'GET', '/api/settings/appointments')).body.duration_minutes));
  await duration.selectOption('45');
  await page.getByTestId('save-duration').click();
  await page.getByTestId('duration-state').getByText(de['state.saved']).waitFor();
  await page.reload();
  await settled(page);
  assert.equal(await duration.inputValue(), '45', 'kept after a reload');
  assert.equal((await apiCall(page, 'GET', '/api/settings/appointments')).body.duration_minutes, 45);

  // The server's 422 (17 is no multiple of 5) appears next to the select and nothing is stored.
  const route = '**/api/settings/appointments';
  await page.route(route, (r) => (r.request().method() === 'PUT' ? r.continue({ postData: JSON.stringify({ duration_minutes: 17 }) }) : r.continue()));
  await duration.selectOption('60');
  await page.getByTestId('save-duration').click();
  await page.locator('#duration_minutes-error').waitFor();
  assert.equal(await duration.getAttribute('aria-invalid'), 'true');
  await page.unroute(route);
  assert.equal((await apiCall(page, 'GET', '/api/settings/appointments')).body.duration_minutes, 45);

  await page.goto('/bookings');
  await settled(page);
  assert.equal(await page.locator('.tabs a[aria-current=page]').innerText(), de['bookings.upcoming']);
  await page.getByText(de['bookings.empty_upcoming']).waitFor();
  await page.getByTestId('bookings-connect-hint').waitFor();
  await check(page, 'bookings');
  await page.getByRole('link', { name: de['bookings.past'] }).click();
  await page.waitForURL(/\/bookings\?when=past$/);
  await settled(page);
  await page.getByText(de['bookings.empty_past']).waitFor();
  await page.reload();
  await settled(page);
  assert.equal(await page.locator('.tabs a[aria-current=page]').innerText(), de['bookings.past'], 'the view lives in the URL');
  await page.getByRole('link', { name: de['bookings.to_integrations'] }).click();
  await page.waitForURL('**/integrations');
  await page.context().close();
});

/**
 * Clicks "Mit Google verbinden" and waits for the sandbox's consent page.
 * @param {import('playwright-core').Page} page
 */
async function toGoogleConsent(page) {
  await openIntegrations(page);
  await page.getByRole('button', { name: de['integrations.connect'] }).click();
  await page.waitForURL(`${SANDBOX}/google/**`);
  await page.locator('#allow').waitFor();
}

test('an owner connects Google through the sandbox consent page, sees the account and the notice once, a booking by phone in Termine and the call log, and disconnects', async () => {
  const { page } = await signUp('google');
  const admin = await adminPage();
  await toGoogleConsent(page);
  const account = `salon-${randomUUID().slice(0, 8)}@example.com`;
  await page.locator('#email').fill(account);
  await page.screenshot({ path: join(OUT, 'sandbox-google-consent-1280.png') });
  const back = page.waitForURL(/\/integrations\?google=connected$/, { waitUntil: 'commit' });
  await page.locator('#allow').click();
  await back;
  await settled(page);
  assert.equal(await page.getByTestId('google-result').innerText(), de['integrations.result_connected']);
  await page.waitForURL((u) => u.pathname === '/integrations' && !u.searchParams.has('google'));
  assert.equal(await page.getByTestId('google-email').innerText(), account);
  assert.equal(await page.getByTestId('google-status').innerText(), de['integrations.status_connected']);
  const google = (await apiCall(page, 'GET', '/api/integrations/google')).body;
  assert.equal(google.connected, true);
  assert.equal(google.google_email, account);
  if (google.sheet_url) assert.equal(await page.getByTestId('sheet-link').getAttribute('href'), google.sheet_url);
  else assert.equal(await page.getByTestId('sheet-link').count(), 0);
  await check(page, 'integrations-connected');
  // The notice was for the return from Google only.
  await page.reload();
  await settled(page);
  assert.equal(await page.getByTestId('google-result').count(), 0);

  // A caller books "morgen um halb drei" by phone: Termine shows it while open, the card links the
  // call log the call created.
  const everyDay = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '08:00', end: '20:00' }]]));
  const agent = await createAgent(page, admin, { business: { opening_hours: everyDay } });
  await eventually(() => psql(`SELECT count(*) FROM integrations.agents WHERE agent_id = '${agent.id}'`) === '1');
  await page.goto('/bookings');
  await settled(page);
  await simulateCall(agent, {
    customer_number: '+4915111122233',
    tools: [{ name: 'book_appointment', arguments: { date: 'morgen', time: 'halb drei', name: 'Erika Muster' } }],
  });
  const row = page.getByRole('row', { name: /Erika Muster/ });
  await row.waitFor({ timeout: 20_000 });
  assert.match(await row.innerText(), /14:30 Uhr/);
  assert.match(await row.innerText(), /\+49 151 11122233|\+4915111122233/);
  await check(page, 'bookings-list');
  await openIntegrations(page);
  const linked = await eventually(async () => (await apiCall(page, 'GET', '/api/integrations/google')).body.sheet_url);
  await page.reload();
  await settled(page);
  assert.equal(await page.getByTestId('sheet-link').getAttribute('href'), linked);
  await check(page, 'integrations-sheet');
  await admin.context().close();

  await page.getByTestId('google-disconnect').click();
  const dialog = page.getByRole('dialog');
  assert.match(await dialog.innerText(), /widerrufen den Zugriff bei Google/);
  await dialog.getByRole('button', { name: de['integrations.disconnect_confirm'] }).click();
  await page.getByRole('button', { name: de['integrations.connect'] }).waitFor();
  assert.equal(await page.getByTestId('google-email').count(), 0);
  const after = (await apiCall(page, 'GET', '/api/integrations/google')).body;
  assert.equal(after.connected, false);
  assert.equal(after.status, 'not_connected');
  await page.context().close();
});

test('an owner who declines at Google is told so in German and nothing is connected', async () => {
  const { page } = await signUp('google-deny');
  await toGoogleConsent(page);
  const back = page.waitForURL(/\/integrations\?google=denied$/, { waitUntil: 'commit' });
  await page.locator('#deny').click();
  await back;
  await settled(page);
  const notice = page.getByTestId('google-result');
  assert.equal(await notice.innerText(), de['integrations.result_denied']);
  assert.equal(await notice.getAttribute('role'), 'alert');
  await page.waitForURL((u) => u.pathname === '/integrations' && !u.searchParams.has('google'));
  await page.getByRole('button', { name: de['integrations.connect'] }).waitFor();
  assert.equal((await apiCall(page, 'GET', '/api/integrations/google')).body.connected, false);
  await check(page, 'integrations-denied');
  await page.context().close();
});

// E-mail preferences and outgoing webhooks run against the integrations service's mail and webhook
// APIs (docs/api.md); the receiver is a plain HTTP server in this process on a port of the
// development allow-list (WEBHOOK_ALLOWED_TARGETS=127.0.0.1:19100-19199 in infra/dev/dev.env).

test('an owner chooses the opt-in mails, they are kept after a reload and a 422 shows next to its switch; settings link the sandbox mail view', async () => {
  const { page, email: address } = await signUp('mails');
  await page.goto('/settings');
  await settled(page);
  assert.equal(await page.getByTestId('dev-mail-link').getAttribute('href'), `${SANDBOX}/mail`);
  await page.getByTestId('to-notifications').click();
  await page.waitForURL('**/settings/notifications');
  await settled(page);
  // The address arrives with user.registered, which the integrations service consumes.
  await eventually(async () => (await apiCall(page, 'GET', '/api/settings/notifications')).body?.email === address);
  await page.reload();
  await settled(page);
  assert.equal(await page.getByTestId('notifications-email').innerText(), address);
  assert.equal(await page.getByTestId('notifications-language').innerText(), de['lang.de']);
  const summary = page.getByLabel(de['notifications.call_summary']);
  const booking = page.getByLabel(de['notifications.new_booking']);
  assert.equal(await summary.isChecked(), false, 'opt-in mails start off');
  assert.equal(await booking.isChecked(), false);
  assert.match(await page.locator('main').innerText(), /Kaufbeleg/);
  await summary.check();
  await page.getByTestId('save-notifications').click();
  await page.getByTestId('notifications-state').getByText(de['state.saved']).waitFor();
  await check(page, 'notifications');
  await page.reload();
  await settled(page);
  assert.equal(await summary.isChecked(), true, 'kept after a reload');
  assert.equal(await booking.isChecked(), false);
  assert.deepEqual((({ call_summary, new_booking }) => ({ call_summary, new_booking }))((await apiCall(page, 'GET', '/api/settings/notifications')).body),
    { call_summary: true, new_booking: false });

  // The server's 422 (not a boolean) appears next to the switch and nothing is stored.
  const route = '**/api/settings/notifications';
  await page.route(route, (r) => (r.request().method() === 'PUT' ? r.continue({ postData: JSON.stringify({ call_summary: 'ja', new_booking: true }) }) : r.continue()));
  await booking.check();
  await page.getByTestId('save-notifications').click();
  await page.locator('#call_summary-error').waitFor();
  assert.equal(await summary.getAttribute('aria-invalid'), 'true');
  await page.unroute(route);
  assert.equal((await apiCall(page, 'GET', '/api/settings/notifications')).body.new_booking, false);
  await checkDark(page, 'notifications');
  await page.context().close();
});

/**
 * A webhook receiver on a free port of the allow-list that answers 200 and keeps what it got.
 * @returns {Promise<{ port: number, received: { headers: import('node:http').IncomingHttpHeaders, body: string }[], close: () => void }>}
 */
async function webhookReceiver() {
  /** @type {{ headers: import('node:http').IncomingHttpHeaders, body: string }[]} */
  const received = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"empfangen":true}');
    });
  });
  // Other test platforms may run receivers too: take the first free port from a random start.
  const start = 19100 + Math.floor(Math.random() * 100);
  for (let i = 0; i < 100; i++) {
    const port = 19100 + ((start - 19100 + i) % 100);
    const ok = await new Promise((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    // A failing test must not keep the process alive with an open server (node would never exit).
    if (ok) {
      server.unref();
      return { port, received, close: () => server.close() };
    }
  }
  throw new Error('no free port in 127.0.0.1:19100-19199');
}

/** The Standard Webhooks signatures of a request checked against `secret`. @param {{ headers: any, body: string }} r @param {string} secret */
function signedWith(r, secret) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`).digest('base64');
  return String(r.headers['webhook-signature']).split(' ').includes(`v1,${expected}`);
}

test('an owner sets up a webhook: secret shown once, test event delivered and logged with its detail, replay, rotation with both secrets, switch off, delete', async () => {
  const receiver = await webhookReceiver();
  const { page } = await signUp('webhooks');
  await page.goto('/settings');
  await settled(page);
  await page.getByTestId('to-webhooks').click();
  await page.waitForURL('**/settings/webhooks');
  await settled(page);
  await page.getByText(de['webhooks.empty']).waitFor();
  await check(page, 'webhooks-empty');

  const url = `http://127.0.0.1:${receiver.port}/hook`;
  await page.getByLabel(de['webhooks.url']).fill(url);
  await page.getByLabel(de['webhooks.description']).fill('Praxissoftware – Empfang');
  await page.getByLabel('call.completed', { exact: true }).check();
  await page.getByLabel('appointment.booked', { exact: true }).check();
  const created = page.waitForResponse((r) => r.url().endsWith('/api/webhooks/endpoints') && r.request().method() === 'POST');
  await page.getByTestId('webhook-submit').click();
  assert.equal((await created).status(), 201);
  const box = page.getByTestId('webhook-secret');
  await box.waitFor();
  const secret = await box.getByLabel(de['webhooks.secret_label'], { exact: true }).inputValue();
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.match(await box.innerText(), /nur dieses eine Mal/);
  // The page moves the focus to the box once it is shown (after the render that shows it).
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'webhook-secret', null, { timeout: 5_000 });
  const card = page.getByTestId('webhook-endpoint');
  assert.equal(await card.getByRole('heading', { level: 2 }).innerText(), url);
  assert.equal(await card.getByTestId('endpoint-status').innerText(), de['webhooks.status_active']);
  await check(page, 'webhooks-secret');
  await page.getByTestId('secret-done').click();
  assert.equal(await box.count(), 0);
  await page.reload();
  await settled(page);
  assert.equal(await box.count(), 0, 'shown once');
  const [endpoint] = (await apiCall(page, 'GET', '/api/webhooks/endpoints')).body.endpoints;
  assert.equal('secret' in endpoint, false);
  assert.deepEqual([...endpoint.event_types].sort(), ['appointment.booked', 'call.completed']);

  // The test event reaches the receiver signed, and the log shows the attempt.
  await card.getByTestId('webhook-test').click();
  await card.getByTestId('endpoint-notice').getByText(de['webhooks.test_sent']).waitFor();
  const log = card.getByTestId('delivery-log');
  await log.getByText(de['webhooks.state_delivered'], { exact: true }).waitFor({ timeout: 45_000 });
  assert.equal(await log.getByTestId('delivery-status').first().innerText(), '200');
  await eventually(() => receiver.received.length >= 1);
  const first = receiver.received[0];
  assert.equal(JSON.parse(first.body).type, 'webhook.test');
  assert.ok(signedWith(first, secret), 'signed with the secret shown');
  await check(page, 'webhooks');

  await log.getByRole('button', { name: /^Details: webhook\.test/ }).first().click();
  const detail = page.getByRole('dialog');
  await detail.getByTestId('delivery-payload').getByText(/webhook\.test/).waitFor();
  assert.match(await detail.getByTestId('delivery-response').innerText(), /empfangen/);
  assert.match(await detail.innerText(), /webhook-signature: v1,/);
  await check(page, 'webhook-delivery');
  await detail.getByTestId('replay').click();
  await eventually(async () => (await detail.locator('section.attempt').count()) === 2);
  await eventually(() => receiver.received.length >= 2);
  assert.equal(receiver.received[1].headers['webhook-id'], first.headers['webhook-id'], 'a replay keeps the webhook-id');
  await detail.getByRole('button', { name: de['action.close'] }).click();
  assert.equal(await page.getByRole('dialog').count(), 0);

  // Rotation: the new secret once, and for 24 h both signatures on every message.
  await card.getByTestId('webhook-rotate').click();
  const confirm = page.getByRole('dialog');
  assert.match(await confirm.innerText(), /24 Stunden/);
  await confirm.getByRole('button', { name: de['webhooks.rotate_confirm'] }).click();
  await box.getByRole('heading', { name: de['webhooks.secret_rotated_title'] }).waitFor();
  const rotated = await box.getByLabel(de['webhooks.secret_label'], { exact: true }).inputValue();
  assert.notEqual(rotated, secret);
  await page.getByTestId('secret-done').click();
  await card.getByTestId('webhook-test').click();
  await eventually(() => receiver.received.length >= 3);
  const third = receiver.received[2];
  assert.ok(signedWith(third, rotated) && signedWith(third, secret), 'signed with the new and the old secret');

  // Off: no test event, the state says so; on again; then deleted after the confirmation.
  await card.getByTestId('webhook-toggle').click();
  await waitText(card.getByTestId('endpoint-status'), (t) => t === de['webhooks.status_disabled']);
  assert.equal(await card.getByTestId('webhook-test').isDisabled(), true);
  const off = (await apiCall(page, 'GET', `/api/webhooks/endpoints/${endpoint.id}`)).body;
  assert.equal(off.enabled, false);
  assert.equal(off.disabled_reason, 'owner');
  await checkDark(page, 'webhooks');
  await card.getByTestId('webhook-toggle').click();
  await waitText(card.getByTestId('endpoint-status'), (t) => t === de['webhooks.status_active']);

  await card.getByTestId('webhook-delete').click();
  const del = page.getByRole('dialog');
  await del.getByRole('button', { name: de['webhooks.delete_confirm'] }).click();
  await page.getByText(de['webhooks.empty']).waitFor();
  assert.deepEqual((await apiCall(page, 'GET', '/api/webhooks/endpoints')).body.endpoints, []);
  receiver.close();
  await page.context().close();
});

test('the webhook page says so in German when the API fails, never a blank page', async () => {
  const { page } = await signUp('webhooks-down');
  await page.route('**/api/webhooks/endpoints', (r) => r.fulfill({ status: 503, contentType: 'application/json',
    body: JSON.stringify({ error: { code: 'unavailable', message: 'Der Dienst ist gerade nicht erreichbar.', request_id: 'req-test-1' } }) }));
  await page.goto('/settings/webhooks');
  await settled(page);
  await page.getByText(de['webhooks.load_failed']).waitFor();
  assert.match(await page.locator('main .form-error').innerText(), /req-test-1/);
  await page.unroute('**/api/webhooks/endpoints');
  await page.getByRole('button', { name: de['action.retry'] }).click();
  await page.getByText(de['webhooks.empty']).waitFor();
  await page.context().close();
});

// Accounts and admin (issue 13): the pages run against auth's account, API key, admin user, audit
// and security event APIs and the gateway's system health (docs/api.md); mails are read from the
// sandbox's mail view, as an owner would follow the link.

test('forgotten password: the mail link sets a new one, every old session ends (the open page lands on the login), the link works once', async () => {
  const { page: old, email: address } = await signUp('reset');
  await old.goto('/calls');
  await settled(old);
  const page = await newPage();
  await page.goto('/login');
  await settled(page);
  await page.getByTestId('to-forgot').click();
  await page.waitForURL('**/forgot-password');
  await settled(page);
  await check(page, 'forgot-password');
  await page.getByLabel(de['field.email'], { exact: true }).fill(address);
  const asked = page.waitForResponse((r) => r.url().endsWith('/api/auth/password/forgot'));
  await page.getByRole('button', { name: de['forgot.submit'] }).click();
  assert.equal((await asked).status(), 202);
  await page.getByTestId('forgot-sent').waitFor();
  assert.match(await page.getByTestId('forgot-sent').innerText(), new RegExp(address.replace(/[.+]/g, '\\$&')));
  await check(page, 'forgot-password-sent');
  // The same answer for an address nobody has.
  const unknown = await fetch(`${GATEWAY}/api/auth/password/forgot`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: email('niemand') }) });
  assert.equal(unknown.status, 202);

  const link = await mailLink(address, '/reset-password');
  await page.goto(link);
  await settled(page);
  await page.getByLabel(de['reset.password'], { exact: true }).fill('kurz');
  await page.getByText(de['password.too_short']).waitFor();
  await check(page, 'reset-password');
  await page.getByLabel(de['reset.password'], { exact: true }).fill('Neuer-Leuchtturm-42');
  await page.getByLabel(de['reset.repeat'], { exact: true }).fill('Neuer-Leuchtturm-42');
  await page.getByRole('button', { name: de['reset.submit'] }).click();
  await page.waitForURL('**/login?reset=1');
  await page.getByTestId('login-notice').getByText(de['login.notice_reset']).waitFor();
  await check(page, 'login-after-reset');

  // The page still open with the old session is sent to the login within seconds.
  await old.waitForURL(/\/login\?ended=1/, { timeout: 15_000 });
  await old.getByTestId('login-notice').getByText(de['login.notice_ended']).waitFor();
  assert.equal((await old.request.get('/api/auth/me')).status(), 401);
  await old.context().close();

  // The old password no longer works, the new one does.
  await page.getByLabel(de['field.email'], { exact: true }).fill(address);
  await page.getByLabel(de['field.password'], { exact: true }).fill('Sonnenblume-7-Fenster');
  await page.getByRole('button', { name: de['login.submit'] }).click();
  await page.locator('main .form-error').waitFor();
  await page.getByLabel(de['field.password'], { exact: true }).fill('Neuer-Leuchtturm-42');
  await page.getByRole('button', { name: de['login.submit'] }).click();
  await page.waitForURL('**/overview');
  await page.context().close();

  // Once only.
  const again = await newPage();
  await again.goto(link);
  await settled(again);
  await again.getByLabel(de['reset.password'], { exact: true }).fill('Noch-ein-Passwort-77');
  await again.getByLabel(de['reset.repeat'], { exact: true }).fill('Noch-ein-Passwort-77');
  await again.getByRole('button', { name: de['reset.submit'] }).click();
  await again.getByTestId('reset-invalid').waitFor();
  await again.getByRole('link', { name: de['reset.new_link'] }).waitFor();
  await check(again, 'reset-password-invalid');
  await again.context().close();
});

test('an unverified owner sees the banner on every page, sends the mail again (a 429 says when to retry), and the mail link removes the banner', async () => {
  const { page, email: address } = await signUp('verify');
  const banner = page.getByTestId('verify-banner');
  await banner.waitFor();
  assert.match(await banner.innerText(), new RegExp(address.replace(/[.+]/g, '\\$&')));
  await page.goto('/credits');
  await settled(page);
  await banner.waitFor();
  await check(page, 'verify-banner');
  const first = await mailLink(address, '/verify-email');
  // Another mail, unless the platform throttles a resend this soon after the first (then the
  // page says how long to wait).
  await banner.getByTestId('verify-resend').click();
  await banner.locator('[data-testid=verify-sent], [data-testid=retry-after]').first().waitFor();
  const second = (await banner.getByTestId('verify-sent').count()) ? await mailLink(address, '/verify-email', new Set([first])) : first;

  // Throttled: the platform's 429 with Retry-After is shown with the seconds to wait.
  await page.route('**/api/auth/verify/resend', (r) => r.fulfill({ status: 429, headers: { 'Retry-After': '42', 'Content-Type': 'application/json' },
    body: JSON.stringify({ error: { code: 'rate_limited', message: 'Zu viele Versuche. Bitte warten Sie kurz.', request_id: 'req-429' } }) }));
  await banner.getByTestId('verify-resend').click();
  await banner.getByTestId('retry-after').getByText(/42 Sekunden/).waitFor();
  await page.unroute('**/api/auth/verify/resend');

  await page.goto(second);
  await page.getByTestId('verify-done').waitFor();
  assert.equal(await banner.count(), 0, 'the banner is gone');
  await check(page, 'verify-email');
  await page.goto('/settings');
  await settled(page);
  assert.equal(await page.getByTestId('email-state').innerText(), de['settings.email_verified']);
  assert.equal(await banner.count(), 0);
  // The link is used up.
  await page.goto(second);
  await page.getByTestId('verify-invalid').waitFor();
  await check(page, 'verify-email-invalid');
  await page.context().close();
});

test('settings: the profile is saved and kept; sessions list this browser, another one is revoked and its page lands on the login; a password change ends the others', async () => {
  const { page, email: address, user } = await signUp('profile');
  await page.goto('/settings');
  await settled(page);
  const zone = page.getByLabel(de['settings.time_zone'], { exact: true });
  assert.equal(await zone.locator('option').first().getAttribute('value'), 'Europe/Berlin', 'Berlin comes first');
  assert.equal(await zone.inputValue(), 'Europe/Berlin');
  await page.getByLabel(de['field.name'], { exact: true }).fill('Anna Schmidt-Müller');
  await zone.selectOption('Europe/Vienna');
  await page.getByTestId('save-profile').click();
  await page.getByTestId('profile-state').getByText(de['state.saved']).waitFor();
  await check(page, 'settings-profile');
  await page.reload();
  await settled(page);
  assert.equal(await page.getByLabel(de['field.name'], { exact: true }).inputValue(), 'Anna Schmidt-Müller');
  assert.equal(await zone.inputValue(), 'Europe/Vienna');
  assert.equal(await page.getByTestId('whoami').innerText(), 'Anna Schmidt-Müller');
  const profile = (await apiCall(page, 'GET', '/api/account/profile')).body.user;
  assert.equal(profile.id, user.id);
  assert.equal(profile.name, 'Anna Schmidt-Müller');
  assert.equal(profile.time_zone, 'Europe/Vienna');
  await checkDark(page, 'settings-profile');

  const other = await signIn(address, 'Sonnenblume-7-Fenster');
  await page.getByRole('link', { name: de['settings.tab_security'] }).click();
  await page.waitForURL('**/settings/security');
  await settled(page);
  const rows = page.getByTestId('sessions').locator('tr[data-session-id]');
  assert.equal(await rows.count(), 2);
  assert.equal(await page.getByTestId('current-session').count(), 1);
  await check(page, 'settings-security');
  await page.locator('tr[data-session-id]:not([data-current])').getByTestId('revoke-session').click();
  await page.getByRole('dialog').getByRole('button', { name: de['security.revoke'] }).click();
  await eventually(async () => (await rows.count()) === 1, 10_000);
  await other.waitForURL(/\/login\?ended=1/, { timeout: 15_000 });
  await other.context().close();

  // A wrong current password is refused next to its field; the right one ends the other sessions.
  const third = await signIn(address, 'Sonnenblume-7-Fenster');
  await page.getByLabel(de['security.current_password'], { exact: true }).fill('Falsch-geraten-1');
  await page.getByLabel(de['reset.password'], { exact: true }).fill('Morgenrot-über-Kiel-9');
  await page.getByRole('button', { name: de['security.change_submit'] }).click();
  await page.locator('#current_password-error').waitFor();
  await page.getByLabel(de['security.current_password'], { exact: true }).fill('Sonnenblume-7-Fenster');
  await page.getByRole('button', { name: de['security.change_submit'] }).click();
  await page.getByTestId('password-changed').waitFor();
  await eventually(async () => (await third.request.get('/api/auth/me')).status() === 401, 15_000);
  assert.equal((await page.request.get('/api/auth/me')).status(), 200, 'this browser stays signed in');
  await third.context().close();
  await page.context().close();
});

test('API keys: created with scopes, the key shown once works as Bearer on its routes only, revoked after a confirmation and refused then', async () => {
  const { page } = await signUp('apikeys');
  await page.goto('/settings');
  await settled(page);
  await page.getByRole('link', { name: de['settings.tab_api_keys'] }).click();
  await page.waitForURL('**/settings/api-keys');
  await settled(page);
  await page.getByText(de['apikeys.empty']).waitFor();
  await check(page, 'api-keys-empty');
  await page.getByLabel(de['apikeys.name'], { exact: true }).fill('Praxissoftware');
  await page.getByLabel('calls:read', { exact: true }).check();
  const created = page.waitForResponse((r) => r.url().endsWith('/api/account/api-keys') && r.request().method() === 'POST');
  await page.getByTestId('apikey-submit').click();
  assert.equal((await created).status(), 201);
  const box = page.getByTestId('apikey-secret');
  await box.waitFor();
  const secret = await box.getByLabel(de['apikeys.secret_label'], { exact: true }).inputValue();
  assert.match(secret, /^kx_/);
  assert.match(await box.innerText(), /nur dieses eine Mal/);
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'apikey-secret', null, { timeout: 5_000 });
  await check(page, 'api-keys-secret');
  const bearer = (/** @type {string} */ path) => fetch(`${GATEWAY}${path}`, { headers: { Authorization: `Bearer ${secret}`, Accept: 'application/json' } });
  assert.equal((await bearer('/api/calls')).status, 200);
  assert.equal((await bearer('/api/credits')).status, 403);
  await page.getByTestId('secret-done').click();
  assert.equal(await box.count(), 0);
  await page.reload();
  await settled(page);
  assert.equal(await box.count(), 0, 'shown once');
  const row = page.getByTestId('apikeys').locator('tr[data-key-id]');
  assert.equal(await row.count(), 1);
  const [key] = (await apiCall(page, 'GET', '/api/account/api-keys')).body.items;
  assert.ok(secret.startsWith(key.prefix), `${key.prefix} begins the key`);
  assert.match(await row.innerText(), /Praxissoftware/);
  assert.match(await row.innerText(), /calls:read/);
  await check(page, 'api-keys');

  await row.getByTestId('revoke-key').click();
  const dialog = page.getByRole('dialog');
  assert.match(await dialog.innerText(), /innerhalb weniger Sekunden/);
  await dialog.getByRole('button', { name: de['apikeys.revoke'] }).click();
  await row.getByTestId('key-revoked').waitFor();
  await eventually(async () => (await bearer('/api/calls')).status === 401, 15_000);
  await page.context().close();
});

test('an owner downloads everything as one JSON document and deletes the account with the password; the login refuses it afterwards', async () => {
  const { page, email: address, user } = await signUp('gdpr');
  await page.goto('/settings/privacy');
  await settled(page);
  await check(page, 'settings-privacy');
  const download = page.waitForEvent('download');
  await page.getByTestId('export').click();
  const file = await download;
  assert.equal(file.suggestedFilename(), 'kametrix-export.json');
  const exported = JSON.parse(readFileSync(await file.path(), 'utf8'));
  assert.equal(exported.user.id, user.id);
  assert.equal(exported.user.email, address);
  for (const service of ['agent', 'telephony-webhook', 'billing', 'integrations']) assert.ok(service in exported.services, service);

  await page.getByLabel(de['account_data.password'], { exact: true }).fill('Falsch-geraten-1');
  await page.getByLabel(de['account_data.understood']).check();
  await page.getByTestId('delete-account').click();
  await page.locator('#delete-password-error').waitFor();
  assert.equal((await page.request.get('/api/auth/me')).status(), 200, 'still there after a wrong password');
  await page.getByLabel(de['account_data.password'], { exact: true }).fill('Sonnenblume-7-Fenster');
  await page.getByTestId('delete-account').click();
  await page.waitForURL('**/login?deleted=1');
  await page.getByTestId('login-notice').getByText(de['login.notice_deleted']).waitFor();
  await page.getByLabel(de['field.email'], { exact: true }).fill(address);
  await page.getByLabel(de['field.password'], { exact: true }).fill('Sonnenblume-7-Fenster');
  await page.getByRole('button', { name: de['login.submit'] }).click();
  await page.locator('main .form-error').waitFor();
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.context().close();
});

test('admin: users filtered in the URL and suspended together; a suspended owner\'s open page lands on the login within seconds; the detail, the audit log with its exports and report', async () => {
  const tag = `bulk${randomUUID().slice(0, 6)}`;
  const one = await signUp(tag);
  const two = await signUp(tag);
  await one.page.goto('/calls');
  await settled(one.page);
  const admin = await adminPage();
  await admin.goto('/admin/users');
  await settled(admin);
  await admin.getByLabel(de['admin.users.search'], { exact: true }).fill(tag);
  await admin.getByLabel(de['admin.status'], { exact: true }).selectOption('active');
  await admin.getByLabel(de['settings.role'], { exact: true }).selectOption('user');
  await admin.getByLabel(de['admin.users.sort'], { exact: true }).selectOption('email');
  await admin.getByRole('button', { name: de['action.filter'] }).click();
  await admin.waitForURL(/status=active/);
  await settled(admin);
  const rows = admin.getByTestId('admin-users').locator('tr[data-user-id]');
  await eventually(async () => (await rows.count()) === 2, 10_000);
  const emails = await rows.locator('td a').allInnerTexts();
  assert.deepEqual(emails, [...emails].sort(), 'sorted by e-mail');
  await admin.reload();
  await settled(admin);
  assert.equal(await rows.count(), 2, 'the filters live in the URL');
  assert.equal(await admin.getByLabel(de['admin.status'], { exact: true }).inputValue(), 'active');
  await check(admin, 'admin-users-filtered');

  await admin.getByLabel(de['admin.users.choose_all']).check();
  assert.equal(await admin.getByTestId('chosen-count').innerText(), de['admin.users.chosen'].replace('{count}', '2'));
  await admin.locator('#bulk-status').selectOption('suspended');
  await admin.getByTestId('bulk-apply').click();
  const dialog = admin.getByRole('dialog');
  assert.match(await dialog.innerText(), /abgemeldet/);
  await check(admin, 'admin-users-bulk-dialog');
  await dialog.getByRole('button', { name: de['admin.users.bulk_apply'] }).click();
  await admin.getByTestId('bulk-done').waitFor();
  const started = Date.now();

  // The owner's open page ends within seconds; logging in again is refused with a German message.
  await one.page.waitForURL(/\/login\?ended=1/, { timeout: 15_000 });
  assert.ok(Date.now() - started < 15_000);
  await one.page.getByLabel(de['field.email'], { exact: true }).fill(one.email);
  await one.page.getByLabel(de['field.password'], { exact: true }).fill('Sonnenblume-7-Fenster');
  await one.page.getByRole('button', { name: de['login.submit'] }).click();
  assert.match(await one.page.locator('main .form-error').innerText(), /gesperrt/i);
  await one.page.context().close();
  assert.equal((await two.page.request.get('/api/auth/me')).status(), 401);
  await two.page.context().close();

  // The list now shows them suspended (the filter for "active" finds none of them).
  await admin.goto(`/admin/users?q=${tag}&status=suspended`);
  await settled(admin);
  await eventually(async () => (await rows.count()) === 2, 10_000);

  // The detail: profile from auth, the account, agents, calls, the audit trail and security events.
  await rows.first().getByRole('link').click();
  await admin.waitForURL(/\/admin\/users\/[0-9a-f-]+$/);
  await settled(admin);
  const userId = new URL(admin.url()).pathname.split('/').pop();
  const shown = await admin.getByTestId('user-email').innerText();
  assert.ok([one.email, two.email].includes(shown));
  assert.equal(await admin.getByTestId('user-status').first().innerText(), de['user.status_suspended']);
  await admin.getByTestId('audit-table').locator('tr[data-audit-id]').first().waitFor({ timeout: 15_000 });
  assert.ok(await admin.getByTestId('security-events').locator('tbody tr').count() >= 1, 'the sign-up and logins are recorded');
  await check(admin, 'admin-user-detail');
  await admin.getByLabel(de['admin.status'], { exact: true }).selectOption('active');
  await admin.getByTestId('save-user').click();
  await waitText(admin.getByTestId('user-status').first(), (text) => text === de['user.status_active']);
  await admin.getByTestId('admin-reset-password').click();
  await admin.getByRole('dialog').getByRole('button', { name: de['admin.user.reset'] }).click();
  await admin.getByTestId('user-notice').waitFor();
  await mailLink(shown, '/reset-password');

  // The audit log shows the suspension with before and after, and its exports parse.
  await admin.goto(`/admin/audit?user_id=${userId}`);
  await settled(admin);
  const entries = admin.getByTestId('audit-table').locator('tr[data-audit-id]');
  await entries.first().waitFor();
  for (const summary of await admin.getByTestId('audit-table').locator('details.audit-change > summary').all()) await summary.click();
  await eventually(async () => /suspended/.test(await admin.getByTestId('audit-table').innerText()), 10_000);
  await check(admin, 'admin-audit');
  const csvDownload = admin.waitForEvent('download');
  await admin.getByTestId('audit-csv').click();
  const csv = readFileSync(await (await csvDownload).path(), 'utf8').replace(/^\uFEFF/, '');
  const [header, ...lines] = csv.trim().split(/\r?\n/);
  assert.match(header, /Aktion/);
  assert.ok(lines.length >= 1, 'the CSV has the entries');
  assert.ok(lines.some((l) => l.includes(userId)), 'and this user\'s');
  const jsonDownload = admin.waitForEvent('download');
  await admin.getByTestId('audit-json').click();
  const json = JSON.parse(readFileSync(await (await jsonDownload).path(), 'utf8'));
  const items = Array.isArray(json) ? json : json.items;
  assert.ok(Array.isArray(items) && items.length >= 1);
  assert.ok(items.every((/** @type {any} */ e) => e.user_id === userId || e.target_id === userId), 'the export keeps the filter');

  await admin.getByRole('link', { name: de['audit.tab_security'] }).click();
  await admin.waitForURL('**/admin/audit/security');
  await settled(admin);
  await check(admin, 'admin-security-events');
  await admin.getByRole('link', { name: de['audit.tab_report'] }).click();
  await admin.waitForURL('**/admin/audit/report');
  await settled(admin);
  assert.ok(Number((await admin.getByTestId('report-total').innerText()).replace(/\D/g, '')) >= 1);
  assert.match(await admin.getByTestId('report-by-action').innerText(), /\d/);
  await check(admin, 'admin-audit-report');
  await admin.context().close();
});

test('admin: the system health page shows every service, the database and the broker, and refreshes', async () => {
  const admin = await adminPage();
  await admin.goto('/admin');
  await settled(admin);
  await admin.getByRole('link', { name: de['nav.admin_system'] }).click();
  await admin.waitForURL('**/admin/system');
  await settled(admin);
  // A scaled service shows each replica as SERVICE-i (the test platform runs billing and
  // telephony-webhook as replicas).
  for (const name of ['auth', 'agent', 'telephony-webhook', 'billing', 'integrations']) {
    await admin.locator(`[data-service="${name}"], [data-service^="${name}-"]`).first().waitFor();
  }
  await admin.locator('[data-dependency="dep-database"]').waitFor();
  await admin.locator('[data-dependency="dep-broker"]').waitFor();
  await eventually(async () => (await admin.getByTestId('system-summary').innerText()).includes(de['system.all_ready'].split('{count}')[0]), 30_000)
    .catch(async () => assert.fail(`not every service is ready: ${await admin.getByTestId('system-summary').innerText()}`));
  const refreshed = admin.waitForResponse((r) => r.url().endsWith('/api/admin/system'));
  await admin.getByTestId('system-refresh').click();
  assert.equal((await refreshed).status(), 200);
  await settled(admin);
  await check(admin, 'admin-system');
  await checkDark(admin, 'admin-system');
  await admin.context().close();
});

test('every page was checked with axe and photographed', () => {
  for (const name of ['landing', 'login', 'signup', 'impressum', 'datenschutz', 'not-found', 'error', 'overview', 'calls', 'call', 'call-dark',
    'overview-dark', 'escalations', 'credits', 'checkout-success', 'settings', 'admin-stats', 'admin-stats-dark', 'admin-users', 'admin-user', 'admin-billing',
    'admin-disputes', 'admin-calls', 'admin-escalations', 'agents-empty', 'bookings-list', 'integrations-sheet', 'wizard-business', 'wizard-knowledge', 'wizard-voice',
    'wizard-greeting', 'wizard-forwarding', 'wizard-review', 'agent', 'agent-test-call', 'agents', 'agent-delete-dialog', 'wizard-conflict',
    'admin-agents', 'admin-agent', 'admin-numbers', 'integrations', 'integrations-dark', 'bookings', 'integrations-connected',
    'integrations-denied', 'notifications', 'notifications-dark', 'webhooks-empty', 'webhooks-secret', 'webhooks', 'webhook-delivery',
    'webhooks-dark', 'forgot-password', 'forgot-password-sent', 'reset-password', 'login-after-reset', 'reset-password-invalid',
    'verify-banner', 'verify-email', 'verify-email-invalid', 'settings-profile', 'settings-profile-dark', 'settings-security',
    'api-keys-empty', 'api-keys-secret', 'api-keys', 'settings-privacy', 'admin-users-filtered', 'admin-users-bulk-dialog',
    'admin-user-detail', 'admin-audit', 'admin-security-events', 'admin-audit-report', 'admin-system', 'admin-system-dark']) {
    assert.ok(covered.has(name), name);
  }
});
