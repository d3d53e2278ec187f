// Fails when de.json and en.json differ in keys or placeholders, when the code uses a key that
// is not translated, or when a translated key is used nowhere (a plural form `key.one` counts as
// used with `key`). Keys are used as whole string
// literals in web/src (t('calls.title'), or as values of lookup tables), never built from parts.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const de = JSON.parse(readFileSync(join(web, 'i18n/de.json'), 'utf8'));
const en = JSON.parse(readFileSync(join(web, 'i18n/en.json'), 'utf8'));
const problems = [];

for (const [a, b, name] of [[de, en, 'en.json'], [en, de, 'de.json']]) {
  for (const k of Object.keys(a)) if (!(k in b)) problems.push(`${name} lacks "${k}"`);
}
const placeholders = (/** @type {string} */ s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');
for (const k of Object.keys(de)) {
  for (const [lang, text] of [['de', de[k]], ['en', en[k]]]) {
    if (typeof text !== 'string' || text.trim() === '') problems.push(`${lang}.json: "${k}" is empty`);
  }
  if (k in en && placeholders(de[k]) !== placeholders(en[k])) problems.push(`"${k}": placeholders differ between de and en`);
}

/** @param {string} dir @returns {string[]} */
function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.js') ? [p] : [];
  });
}
const namespaces = new Set(Object.keys(de).map((k) => k.split('.')[0]));
// Event type names (call.completed, credits.low, ...) are literals too, but no message keys.
const eventTypes = new Set(readdirSync(join(web, '../proto-schemas/events')).map((f) => f.replace(/\.v\d+\.json$/, '')));
for (const k of Object.keys(de)) if (eventTypes.has(k)) problems.push(`"${k}" is also an event type; choose another key`);
const used = new Set();
for (const file of files(join(web, 'src'))) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(['"`])([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)\1/g)) {
    const key = m[2];
    if (!namespaces.has(key.split('.')[0]) || eventTypes.has(key)) continue;
    used.add(key);
    if (!(key in de)) problems.push(`${file.slice(web.length + 1)}: "${key}" is not in the translation files`);
  }
}
// A plural form (key.one, picked by t() for a numeric count) is used where its key is.
const pluralBase = (/** @type {string} */ k) => (k.endsWith('.one') ? k.slice(0, -'.one'.length) : null);
for (const k of Object.keys(de)) {
  const base = pluralBase(k);
  if (base && !(base in de)) problems.push(`"${k}" is a plural form of "${base}", which does not exist`);
  if (!used.has(k) && !(base && used.has(base))) problems.push(`"${k}" is used nowhere in web/src`);
}

// t() picks the plural form for a numeric count and formats the count for the locale.
const { t, messages, locale } = await import('../src/lib/i18n.js');
const expectT = (/** @type {string} */ got, /** @type {string} */ want) => {
  if (got !== want) problems.push(`t(): got "${got}", want "${want}"`);
};
messages.value = de;
expectT(t('admin.purchases', { count: 1 }), '1 Kauf in 30 Tagen');
expectT(t('admin.purchases', { count: 0 }), '0 Käufe in 30 Tagen');
expectT(t('admin.purchases', { count: 1234 }), '1.234 Käufe in 30 Tagen');
expectT(t('admin.calls_recon.every_seconds', { count: 1 }), 'jede Sekunde');
expectT(t('admin.users.chosen', { count: 1 }), '1 ausgewählt');  // no plural form: the key itself
expectT(t('admin.users.chosen', { count: '1' }), '1 ausgewählt');  // text is filled in as it is
locale.value = 'en';
messages.value = en;
expectT(t('admin.purchases', { count: 1 }), '1 purchase in 30 days');
expectT(t('admin.purchases', { count: 1234 }), '1,234 purchases in 30 days');

if (problems.length) {
  console.error(`i18n: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`i18n: ${Object.keys(de).length} keys, de and en complete, all used`);
