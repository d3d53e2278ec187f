// Fan-out benchmark of GET /api/events (docs/performance.md): signs up `users` owners, opens
// `per` streams for each (5 is the per-user cap), publishes `events` credits.low events keyed to
// those owners through kcat in one batch, and measures until every stream has received every event
// meant for it. Usage: node web/tools/bench-sse.mjs <gateway URL> <kafka bootstrap> [users] [per] [events]
import http from 'node:http';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';

const [gateway, bootstrap, users = 200, per = 5, events = 4000] = process.argv.slice(2).map((v, i) => (i < 2 ? v : Number(v)));
if (!gateway || !bootstrap) throw new Error('usage: bench-sse.mjs <gateway URL> <kafka bootstrap> [users] [per] [events]');

/** @returns {Promise<{ id: string, cookie: string }>} */
async function signUp() {
  const res = await fetch(`${gateway}/api/auth/register`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `sse-${randomUUID()}@bench.kametrix.example`, password: 'Sonnenblume-7-Fenster' }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  return { id: (await res.json()).user.id, cookie };
}

/** Called for each credits.restored frame (the latency probe). */
let onRestored = () => {};
let received = 0;
let expected = 0;
/** @type {() => void} */
let done = () => {};
const allReceived = new Promise((resolve) => { done = () => resolve(undefined); });

/** @param {string} cookie @returns {Promise<void>} */
function openStream(cookie) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${gateway}/api/events`, { headers: { Cookie: cookie, Accept: 'text/event-stream' }, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream: ${res.statusCode}`));
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (frame.includes('event: credits.low')) {
            received++;
            if (received === expected) done();
          }
          if (frame.includes('event: credits.restored')) onRestored();
        }
      });
      resolve();
    });
    req.on('error', reject);
  });
}

const owners = [];
for (let i = 0; i < users; i += 20) owners.push(...(await Promise.all(Array.from({ length: Math.min(20, users - i) }, signUp))));
for (const o of owners) for (let s = 0; s < per; s++) await openStream(o.cookie);
console.log(`${owners.length * per} streams open`);

const lines = [];
for (let i = 0; i < events; i++) {
  const o = owners[i % owners.length];
  lines.push(`${o.id}|${JSON.stringify({ user_id: o.id, balance_cents: 100, threshold_cents: 500 })}`);
}
expected = events * per;
const headers = { ce_specversion: '1.0', ce_id: randomUUID(), ce_source: 'billing', ce_type: 'credits.low.v1', ce_time: new Date().toISOString(), ce_subject: 'bench', 'content-type': 'application/json' };
const started = performance.now();
const kcat = spawn('kcat', ['-P', '-b', bootstrap, '-t', 'credits.low', '-K', '|', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`])], { stdio: ['pipe', 'inherit', 'inherit'] });
kcat.stdin.end(`${lines.join('\n')}\n`);
const timeout = setTimeout(() => { console.log(`timeout: ${received} of ${expected} frames`); process.exit(1); }, 120_000);
await allReceived;
clearTimeout(timeout);
const seconds = (performance.now() - started) / 1000;
console.log(`${events} events to ${owners.length * per} streams (${per} per owner): ${expected} frames in ${seconds.toFixed(2)} s`);
console.log(`= ${(events / seconds).toFixed(0)} events/s in, ${(expected / seconds).toFixed(0)} frames/s out`);

// Latency with the 1,000 streams open: one event at a time, from starting kcat (its start-up
// included) until the first of the owner's streams has it.
/** @type {number[]} */
const latencies = [];
for (let i = 0; i < 20; i++) {
  const o = owners[i];
  const arrived = new Promise((resolve) => { onRestored = () => resolve(undefined); });
  const t0 = performance.now();
  const probe = spawn('kcat', ['-P', '-b', bootstrap, '-t', 'credits.restored', '-k', o.id,
    ...Object.entries({ ...headers, ce_id: randomUUID(), ce_type: 'credits.restored.v1' }).flatMap(([k, v]) => ['-H', `${k}=${v}`])], { stdio: ['pipe', 'inherit', 'inherit'] });
  probe.stdin.end(JSON.stringify({ user_id: o.id, balance_cents: 1000 }));
  await arrived;
  latencies.push(performance.now() - t0);
  onRestored = () => {};
}
latencies.sort((a, b) => a - b);
console.log(`latency produce -> stream (20 single events, kcat start-up included): median ${latencies[10].toFixed(0)} ms, max ${latencies[19].toFixed(0)} ms`);
process.exit(0);
