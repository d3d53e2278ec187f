// Loads JSON for a component and re-loads when `path` changes.
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
