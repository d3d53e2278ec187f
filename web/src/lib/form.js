// Form state for pages that submit to the API: values, busy flag, and the ApiError split into
// field errors (shown next to the fields) and the rest (shown above the form with the request id).
import { useState } from 'preact/hooks';
import { ApiError } from './api.js';

/**
 * @template {Record<string, any>} V
 * @param {V} initial
 */
export function useForm(initial) {
  const [values, setValues] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(/** @type {ApiError | null} */ (null));
  const fields = error ? error.fieldErrors() : {};
  /** @param {keyof V & string} name */
  const bind = (name) => ({
    value: values[name],
    error: fields[name],
    onInput: (/** @type {any} */ e) => setValues((v) => ({ ...v, [name]: e.currentTarget.type === 'checkbox' ? e.currentTarget.checked : e.currentTarget.value })),
  });
  /** @param {(values: V) => Promise<void>} action */
  const submit = (action) => async (/** @type {Event} */ e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action(values);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'unexpected', String(err)));
    } finally {
      setBusy(false);
    }
  };
  /** Errors not tied to a shown field. */
  const general = error && (error.details.length === 0 || error.details.some((d) => !(d.field in initial))) ? error : null;
  return { values, setValues, busy, error, general, bind, submit };
}

/**
 * One button's request: busy while it runs, then its result or its error (shown by the caller
 * with the request id). `run` resolves to the result, or undefined when it failed.
 * @template {any[]} A @template R
 * @param {(...args: A) => Promise<R>} fn
 */
export function useAction(fn) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(/** @type {any} */ (null));
  const [result, setResult] = useState(/** @type {R | null} */ (null));
  /** @param {A} args */
  const run = async (...args) => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = await fn(...args);
      setResult(() => r);
      return r;
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, result, setError };
}
