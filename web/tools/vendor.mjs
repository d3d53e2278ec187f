// Copies the browser files of the runtime packages from node_modules into vendor/<package>@<version>/
// (git-ignored; infra/install-deps.sh runs this after npm ci), and checks that the import map in
// index.html points at exactly these files, so a version bump in the lock that is not reflected
// in index.html fails here instead of in the browser. Versioned folder names let the gateway
// serve vendor files with a year-long immutable cache.
import { readFileSync, writeFileSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const modules = join(web, 'node_modules');

/** @type {{pkg: string, folder: string, files: Record<string, string | ((text: string) => string)>}[]} */
const plan = [
  { pkg: 'preact', folder: 'preact', files: { 'preact.mjs': 'dist/preact.mjs', 'hooks.mjs': 'hooks/dist/hooks.mjs' } },
  { pkg: 'htm', folder: 'htm', files: { 'htm.mjs': 'dist/htm.mjs', 'preact.mjs': 'preact/index.mjs' } },
  { pkg: '@preact/signals-core', folder: 'signals-core', files: { 'signals-core.mjs': 'dist/signals-core.mjs' } },
  { pkg: '@preact/signals', folder: 'signals', files: { 'signals.mjs': 'dist/signals.mjs' } },
  // uPlot ships its minified build only as a script defining a global; one export line makes it
  // a module (a third of the size of its unminified ES module build).
  { pkg: 'uplot', folder: 'uplot', files: { 'uPlot.mjs': 'dist/uPlot.iife.min.js', 'uPlot.min.css': 'dist/uPlot.min.css' } },
];
const transform = { 'uPlot.mjs': (/** @type {string} */ text) => `${text}\nexport default uPlot;\n` };

rmSync(join(web, 'vendor'), { recursive: true, force: true });
const written = new Set();
for (const { pkg, folder, files } of plan) {
  const version = JSON.parse(readFileSync(join(modules, pkg, 'package.json'), 'utf8')).version;
  const dir = join(web, 'vendor', `${folder}@${version}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, source] of Object.entries(files)) {
    let text = readFileSync(join(modules, pkg, /** @type {string} */ (source)), 'utf8');
    const fix = /** @type {Record<string, (t: string) => string>} */ (transform)[name];
    if (fix) text = fix(text);
    writeFileSync(join(dir, name), text);
    written.add(`/vendor/${folder}@${version}/${name}`);
  }
}

const html = readFileSync(join(web, 'index.html'), 'utf8');
const map = html.match(/<script type="importmap">([\s\S]*?)<\/script>/);
if (!map) throw new Error('index.html has no import map');
const referenced = [
  ...Object.values(JSON.parse(map[1]).imports),
  ...[...html.matchAll(/href="(\/vendor\/[^"]+)"/g)].map((m) => m[1]),
];
const wrong = referenced.filter((url) => !written.has(url) || !existsSync(join(web, url)));
if (wrong.length) {
  console.error(`index.html refers to vendor files that the installed packages do not provide:\n  ${wrong.join('\n  ')}\nUpdate the import map to the versions in package-lock.json.`);
  process.exit(1);
}
