// The signed-in owner's live events from GET /api/events (Server-Sent Events). One EventSource for
// the whole app; it reconnects by itself and sends Last-Event-ID, so no event is lost in between.
import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';

export const EVENT_TYPES = /** @type {const} */ ([
  'call.started', 'call.completed', 'call.escalated',
  'credits.purchased', 'credits.deducted', 'credits.adjusted', 'credits.refunded', 'credits.low',
  'credits.exhausted', 'credits.restored',
  'agent.created', 'agent.updated', 'agent.deleted', 'phone_number.assigned', 'phone_number.released',
  'appointment.booked', 'appointment.rescheduled', 'appointment.cancelled',
  'integration.google.connected', 'integration.google.disconnected',
]);

/** @typedef {{ id: string, type: string, data: any, received: Date }} LiveEvent */

/** The newest events, newest first (at most 20). @type {import('@preact/signals').Signal<LiveEvent[]>} */
export const feed = signal([]);
/** Whether the stream is open. */
export const connected = signal(false);

/** The type listeners get when the stream is back after an interruption: whatever was missed
 * (e.g. on another gateway replica) is reloaded by the pages instead of replayed. */
export const RECONNECTED = 'stream.reconnected';

/** @type {EventSource | null} */
let source = null;
let interrupted = false;
/** @type {Set<(e: LiveEvent) => void>} */
const listeners = new Set();

function open() {
  if (source) return;
  source = new EventSource('/api/events');
  source.onopen = () => {
    connected.value = true;
    if (interrupted) {
      interrupted = false;
      for (const fn of listeners) fn({ id: '', type: RECONNECTED, data: {}, received: new Date() });
    }
  };
  source.onerror = () => {
    connected.value = false;
    interrupted = true;
    // The browser retries by itself, unless the answer was not a stream (e.g. 401 after the
    // session ended): then the next page that needs events opens a new one.
    if (source && source.readyState === EventSource.CLOSED) source = null;
  };
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (/** @type {MessageEvent} */ m) => {
      /** @type {LiveEvent} */
      const e = { id: m.lastEventId, type, data: JSON.parse(m.data), received: new Date() };
      feed.value = [e, ...feed.value].slice(0, 20);
      for (const fn of listeners) fn(e);
    });
  }
}

export function closeEvents() {
  source?.close();
  source = null;
  interrupted = false;
  connected.value = false;
}

/**
 * Calls `fn` for each live event whose type starts with one of `prefixes`, while mounted.
 * @param {string[]} prefixes e.g. ['call.'] @param {(e: LiveEvent) => void} fn
 */
export function useLiveEvents(prefixes, fn) {
  useEffect(() => {
    open();
    const listener = (/** @type {LiveEvent} */ e) => {
      if (e.type === RECONNECTED || prefixes.some((p) => e.type.startsWith(p))) fn(e);
    };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
}
