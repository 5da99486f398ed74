/**
 * JSON keys are data: copying a parsed object key by key must keep every key, `__proto__` too.
 */

/**
 * Sets `record[key]` as an own data property: plain assignment of `__proto__` would set the
 * prototype instead, and the key would vanish from the JSON written back.
 *
 * @example
 * ```ts
 * setOwn(fields, '__proto__', value);
 * ```
 */
export function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
