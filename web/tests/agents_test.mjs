// The agent forms' pure rules (web/src/lib/agents.js) without a browser: the API's JSON in and out,
// field paths of 422 details, the step each error opens, and what a PATCH sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  emptyDefinition, fromWire, toWire, keysOf, getPath, setIn, stepOfPath, fieldId, changedFields, fieldLabel,
} from '../src/lib/agents.js';

test('a half-filled draft state gets every missing field with its default', () => {
  const d = fromWire({ name: 'Salon Müller', business: { opening_hours: { mon: [{ start: '09:00', end: '12:00' }, { start: '14:00', end: '18:00' }] } }, escalation: { forwarding_number: null } });
  assert.equal(d.name, 'Salon Müller');
  assert.equal(d.language, 'de');
  assert.equal(d.timezone, 'Europe/Berlin');
  assert.deepEqual(d.business.opening_hours.mon, [{ start: '09:00', end: '12:00' }, { start: '14:00', end: '18:00' }]);
  assert.deepEqual(d.business.opening_hours.tue, [], 'a day the state does not list is closed');
  assert.equal(d.escalation.forwarding_number, '');
  assert.equal(d.escalation.max_clarifications, 3);
  assert.deepEqual(fromWire(null), emptyDefinition());
});

test('empty numbers go out as null, blank service lines are left out, the count as a number', () => {
  const d = emptyDefinition();
  d.business.services = ['Färben', '  ', ''];
  d.escalation.forwarding_number = '030 1234567';
  d.escalation.max_clarifications = /** @type {any} */ ('5');
  const wire = /** @type {any} */ (toWire(d));
  assert.equal(wire.escalation.forwarding_number, '030 1234567');
  assert.equal(wire.escalation.fallback_number, null);
  assert.equal(wire.business.phone, null);
  assert.deepEqual(wire.business.services, ['Färben']);
  assert.equal(wire.escalation.max_clarifications, 5);
  assert.deepEqual(Object.keys(wire).sort(), Object.keys(emptyDefinition()).sort(), 'no field the API does not know');
});

test('field paths of the API address the form\'s values and inputs', () => {
  assert.deepEqual(keysOf('business.opening_hours.mon[1].start'), ['business', 'opening_hours', 'mon', 1, 'start']);
  const d = setIn(emptyDefinition(), keysOf('faqs[0]'), { question: 'Parken?', answer: 'Im Hof.' });
  assert.equal(getPath(d, 'faqs[0].answer'), 'Im Hof.');
  assert.equal(emptyDefinition().faqs.length, 0, 'setIn copies instead of changing');
  assert.equal(fieldId('faqs[2].answer'), 'f-faqs-2-answer');
  assert.equal(fieldId('escalation.forwarding_number'), 'f-escalation-forwarding-number');
});

test('an error opens the step its field is in', () => {
  for (const [path, step] of /** @type {[string, number][]} */ ([
    ['name', 1], ['business.opening_hours.mon[1].start', 1], ['business.services[3]', 1], ['faqs[2].answer', 2], ['policies', 2],
    ['voice_id', 3], ['greeting', 4], ['escalation.forwarding_number', 5], ['timezone', 5], ['', 6],
  ])) assert.equal(stepOfPath(path), step, path);
  assert.deepEqual(fieldLabel('faqs[2].answer'), ['agent.answer_n', { n: 3 }]);
  assert.deepEqual(fieldLabel('escalation.business_hours.days[0]'), ['agent.business_days', { n: 0 }]);
  assert.equal(fieldLabel('unknown'), null);
});

test('a PATCH carries only the top-level fields that changed', () => {
  const before = fromWire({ name: 'Salon Müller', greeting: 'Guten Tag' });
  const after = setIn(setIn(before, ['greeting'], 'Hallo'), ['escalation', 'voicemail'], false);
  const patch = changedFields(before, after);
  assert.deepEqual(Object.keys(patch).sort(), ['escalation', 'greeting']);
  assert.equal(patch.greeting, 'Hallo');
  assert.equal(patch.escalation.voicemail, false);
  assert.deepEqual(changedFields(before, before), {});
});
