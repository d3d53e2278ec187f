// The audit log's pure rules: an entry's change as rows of before/after, and the API's time range
// for the days an admin picks.

/** @param {unknown} v */
function show(v) {
  if (v === undefined) return '–';
  if (v === null) return 'null';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * The fields of `before` and `after` side by side, changed ones first and marked; values that
 * are no objects are one row.
 * @param {unknown} before @param {unknown} after
 * @returns {{ field: string, before: string, after: string, changed: boolean }[]}
 */
export function diffRows(before, after) {
  const isObject = (/** @type {unknown} */ v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(before) && !isObject(after)) {
    return before == null && after == null ? [] : [{ field: '', before: show(before ?? undefined), after: show(after ?? undefined), changed: show(before) !== show(after) }];
  }
  const b = /** @type {Record<string, unknown>} */ (isObject(before) ? before : {});
  const a = /** @type {Record<string, unknown>} */ (isObject(after) ? after : {});
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const rows = fields.map((field) => ({ field, before: show(b[field]), after: show(a[field]), changed: JSON.stringify(b[field]) !== JSON.stringify(a[field]) }));
  return rows.sort((x, y) => Number(y.changed) - Number(x.changed));
}

/**
 * The API's from/to for the days in the URL (YYYY-MM-DD, the admin's local days): from the start
 * of `from` to the end of `to`.
 * @param {string} from @param {string} to
 */
export function dayRange(from, to) {
  /** @type {Record<string, string>} */
  const out = {};
  if (/^\d{4}-\d{2}-\d{2}$/.test(from)) out.from = new Date(`${from}T00:00:00`).toISOString();
  if (/^\d{4}-\d{2}-\d{2}$/.test(to)) {
    const end = new Date(`${to}T00:00:00`);
    end.setDate(end.getDate() + 1);
    out.to = end.toISOString();
  }
  return out;
}
