// Measures a first load of the overview in Chromium against a running platform (docs/performance.md):
// bytes transferred by resource type (compressed, headers included, as Chromium counts them) and
// the time from navigation start to a usable overview (balance, charts and recent calls drawn, no
// request open). Usage: node web/tools/measure-load.mjs [gateway URL] [runs]
import { chromium } from 'playwright-core';

const gateway = process.argv[2] ?? 'http://127.0.0.1:8080';
const runs = Number(process.argv[3] ?? 5);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

/** @type {number[]} */
const times = [];
/** @type {Record<string, number>} */
let bytes = {};
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ baseURL: gateway, viewport: { width: 1280, height: 900 } });
  const email = `measure-${Date.now()}-${i}@kametrix.example`;
  const reg = await context.request.post('/api/auth/register', { data: { email, password: 'Sonnenblume-7-Fenster' } });
  if (reg.status() !== 201) throw new Error(`register: ${reg.status()}`);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  /** @type {Record<string, string>} */
  const types = {};
  /** @type {Record<string, number>} */
  const perType = {};
  cdp.on('Network.responseReceived', (e) => { types[e.requestId] = e.type; });
  cdp.on('Network.loadingFinished', (e) => {
    const type = types[e.requestId] ?? 'Other';
    perType[type] = (perType[type] ?? 0) + e.encodedDataLength;
  });
  await page.goto('/overview', { waitUntil: 'commit' });
  await page.waitForFunction(() => document.querySelector('[data-testid=balance]') && document.querySelectorAll('.chart canvas').length === 2
    && !document.querySelector('.state[role=status]') && !document.documentElement.hasAttribute('data-loading'), null, { timeout: 30_000, polling: 10 });
  times.push(await page.evaluate(() => performance.now()));
  bytes = perType;
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
const kb = (/** @type {number} */ n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`time to usable overview (cold cache, ${runs} runs): median ${times[Math.floor(runs / 2)].toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times[runs - 1].toFixed(0)} ms`);
console.log(`bytes of the last run by type: ${Object.entries(bytes).map(([t, n]) => `${t} ${kb(n)}`).join(', ')}`);
console.log(`scripts + styles: ${kb((bytes.Script ?? 0) + (bytes.Stylesheet ?? 0))}; everything: ${kb(Object.values(bytes).reduce((a, b) => a + b, 0))}`);
