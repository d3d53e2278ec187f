// The audit log's pure rules (web/src/lib/audit.js) without a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffRows, dayRange } from '../src/lib/audit.js';

test('the change of an entry lists every field, the changed ones first', () => {
  const rows = diffRows({ name: 'Anna', status: 'active', role: 'user' }, { name: 'Anna', status: 'suspended', role: 'user' });
  assert.deepEqual(rows[0], { field: 'status', before: 'active', after: 'suspended', changed: true });
  assert.deepEqual(rows.slice(1).map((r) => [r.field, r.changed]), [['name', false], ['role', false]]);
});

test('a field only before or only after, nested values and plain values', () => {
  assert.deepEqual(diffRows(null, { balance_cents: 600 }), [{ field: 'balance_cents', before: '–', after: '600', changed: true }]);
  assert.deepEqual(diffRows({ scopes: ['calls:read'] }, {}), [{ field: 'scopes', before: '["calls:read"]', after: '–', changed: true }]);
  assert.deepEqual(diffRows('alt', 'neu'), [{ field: '', before: 'alt', after: 'neu', changed: true }]);
  assert.deepEqual(diffRows(null, null), []);
});

test('days become the whole local days for the API; anything else is left out', () => {
  const r = dayRange('2026-11-01', '2026-11-30');
  assert.equal(new Date(r.from).getTime(), new Date('2026-11-01T00:00:00').getTime());
  assert.equal(new Date(r.to).getTime(), new Date('2026-12-01T00:00:00').getTime());
  assert.deepEqual(dayRange('', 'gestern'), {});
});
