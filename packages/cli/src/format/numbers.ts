/**
 * Number formatting for tables: fixed significant digits, SI prefixes, and `∞` for the infinite
 * values that exact comparisons produce (an SQNR of a lossless variant).
 */

const SI_PREFIXES = ['', 'k', 'M', 'G', 'T'] as const;

/**
 * A number with an SI prefix and three significant digits, for counts and rates.
 *
 * @example
 * ```ts
 * formatSi(235146); // '235 k'
 * formatSi(2.1e10, 'params/s'); // '21.0 Gparams/s'
 * ```
 */
export function formatSi(value: number, unit = ''): string {
  if (!Number.isFinite(value)) return formatSpecial(value);
  let scaled = Math.abs(value);
  let prefix = 0;
  while (scaled >= 999.5 && prefix < SI_PREFIXES.length - 1) {
    scaled /= 1000;
    prefix++;
  }
  const sign = value < 0 ? '-' : '';
  const digits = prefix === 0 && Number.isInteger(value) ? String(scaled) : scaled.toPrecision(3);
  const suffix = `${SI_PREFIXES[prefix]}${unit}`;
  return suffix === '' ? `${sign}${digits}` : `${sign}${digits} ${suffix}`;
}

/**
 * An exact count with thousands separators.
 *
 * @example
 * ```ts
 * formatCount(235146); // '235,146'
 * ```
 */
export function formatCount(value: number): string {
  // Whole numbers are grouped here: `toLocaleString` goes through the locale machinery, which
  // costs about a microsecond a call, and a listing may count a million tensors.
  if (!Number.isSafeInteger(value) || Object.is(value, -0)) return value.toLocaleString('en-US');
  const digits = String(Math.abs(value));
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let index = grouped.length; index < digits.length; index += 3) grouped += `,${digits.slice(index, index + 3)}`;
  return value < 0 ? `-${grouped}` : grouped;
}

/**
 * A byte count in decimal units (kB = 1000 bytes), three significant digits.
 *
 * @example
 * ```ts
 * formatBytes(940584); // '941 kB'
 * ```
 */
export function formatBytes(bytes: number): string {
  return formatSi(bytes, 'B');
}

/**
 * A number with `digits` digits after the point, `∞` for infinities.
 *
 * @example
 * ```ts
 * formatFixed(54.123, 1); // '54.1'
 * formatFixed(Infinity, 1); // '∞'
 * ```
 */
export function formatFixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : formatSpecial(value);
}

/**
 * A small positive number in scientific notation with three significant digits; 0 stays `0`.
 *
 * @example
 * ```ts
 * formatScientific(0.000123456); // '1.23e-4'
 * ```
 */
export function formatScientific(value: number): string {
  if (value === 0) return '0';
  return Number.isFinite(value) ? value.toExponential(2) : formatSpecial(value);
}

function formatSpecial(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '∞' : '-∞';
}
