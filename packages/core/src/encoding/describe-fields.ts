/**
 * Readers for describing untrusted encoding fields: anything missing or of the wrong type reads
 * as `{}` or `?`, so a listing of a hostile file shows question marks instead of throwing.
 * Internal to the encoding folder.
 */

/**
 * `value` as a record of fields, or `{}` when it is not an object.
 *
 * @example
 * ```ts
 * fieldsOf(null); // {}
 * ```
 */
export function fieldsOf(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * A string or number as text, anything else as `?`.
 *
 * @example
 * ```ts
 * fieldText(4); // '4'
 * fieldText({}); // '?'
 * ```
 */
export function fieldText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '?';
}
