// Loads JSON for a component and re-loads when `path` changes (or, while asked to, every few seconds).
import { useEffect, useState, useCallback } from 'preact/hooks';
import { api } from './api.js';

/**
 * @template T
 * @param {string | null} path null: load nothing (yet)
 * @returns {{ data: T | undefined, error: import('./api.js').ApiError | undefined, loading: boolean, reload: () => void }}
 */
export function useApi(path) {
  const [state, setState] = useState(/** @type {{ data: any, error: any, loading: boolean }} */ ({ data: undefined, error: undefined, loading: path !== null }));
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return undefined;
    const controller = new AbortController();
    setState((s) => ({ data: s.data, error: undefined, loading: true }));
    api(path, { signal: controller.signal }).then(
      (data) => setState({ data, error: undefined, loading: false }),
      (error) => {
        if (!controller.signal.aborted) setState({ data: undefined, error, loading: false });
      },
    );
    return () => controller.abort();
  }, [path, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/** How often a page asks again while something is still on its way (e.g. an agent's sync). */
export const POLL_MS = 3000;

/**
 * Reloads every POLL_MS while `pending`; a new answer (`data`) restarts the wait.
 * @param {boolean} pending @param {() => void} reload @param {unknown} data
 */
export function usePollWhile(pending, reload, data) {
  useEffect(() => {
    if (!pending) return undefined;
    const timer = setTimeout(reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [pending, data]);
}
