/**
 * The figures of a result as the report's tables print them; a missing or non-finite figure is a
 * dash, never `NaN` or `Infinity`.
 */

const DASH = '—';
const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `value` when it is a finite number, otherwise null. */
export function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * A count with thousands separators (`266,610`).
 *
 * @example
 * ```ts
 * formatCount(266610); // '266,610'
 * ```
 */
export function formatCount(value: unknown): string {
  const number = finiteOrNull(value);
  return number === null ? DASH : whole.format(number);
}

/**
 * A number with `digits` decimals and an optional unit (`98.12 %`, `1.27 ms`).
 *
 * @example
 * ```ts
 * formatDecimal(98.1234, 2, '%'); // '98.12 %'
 * ```
 */
export function formatDecimal(value: unknown, digits: number, unit = ''): string {
  const number = finiteOrNull(value);
  if (number === null) return DASH;
  const text = number.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit === '' ? text : `${text} ${unit}`;
}

/**
 * A signed change in points (`+0.05`, `−0.12`), with a true minus sign.
 *
 * @example
 * ```ts
 * formatChange(-0.123, 2); // '−0.12'
 * ```
 */
export function formatChange(value: unknown, digits: number): string {
  const number = finiteOrNull(value);
  if (number === null) return DASH;
  const text = Math.abs(number).toFixed(digits);
  if (Number(text) === 0) return text;
  return `${number < 0 ? '−' : '+'}${text}`;
}

/**
 * A ratio or speedup (`39.6×`).
 *
 * @example
 * ```ts
 * formatTimes(39.62); // '39.6×'
 * ```
 */
export function formatTimes(value: unknown): string {
  const number = finiteOrNull(value);
  return number === null ? DASH : `${number.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })}×`;
}

/**
 * Bits per value, or the word for a layer stored another way (`float` for weights, `dense` for indices).
 *
 * @example
 * ```ts
 * formatBits(null, 'dense'); // 'dense'
 * ```
 */
export function formatBits(value: unknown, missing: string): string {
  const number = finiteOrNull(value);
  return number === null ? missing : whole.format(number);
}
