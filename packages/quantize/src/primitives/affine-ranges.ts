/**
 * The range passes of affine quantization: per column, per run, or per contiguous slice, each
 * range including 0 (ranges are widened to include 0 anyway). Math.min / Math.max carry a NaN
 * through, so one check after the pass catches it; compare-and-branch would mispredict on short
 * runs. Symmetric codes need only the largest magnitude: one operation per element, not two.
 */

/**
 * Per-column ranges of a row-major [rows, columns] block, merged into `minima` / `maxima`.
 *
 * @example
 * ```ts
 * rangesAcrossRows(values, rows, columns, minima, maxima, false); // minima[c] = min(0, column c)
 * ```
 */
export function rangesAcrossRows(
  values: Float32Array,
  rows: number,
  columns: number,
  minima: Float64Array,
  maxima: Float64Array,
  symmetric: boolean,
): void {
  if (symmetric) {
    for (let row = 0, index = 0; row < rows; row++) {
      for (let column = 0; column < columns; column++, index++) {
        maxima[column] = Math.max(maxima[column]!, Math.abs(values[index]!));
      }
    }
    for (let column = 0; column < columns; column++) minima[column] = -maxima[column]!;
    return;
  }
  for (let row = 0, index = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++, index++) {
      const value = values[index]!;
      minima[column] = Math.min(minima[column]!, value);
      maxima[column] = Math.max(maxima[column]!, value);
    }
  }
}

/**
 * Per-position ranges of a [outer, length, inner] tensor, one contiguous run of `inner` at a time.
 *
 * @example
 * ```ts
 * rangesAlongRuns(values, 1, rows, columns, minima, maxima, true); // one range per row
 * ```
 */
export function rangesAlongRuns(
  values: Float32Array,
  outer: number,
  length: number,
  inner: number,
  minima: Float64Array,
  maxima: Float64Array,
  symmetric: boolean,
): void {
  let index = 0;
  for (let outerIndex = 0; outerIndex < outer; outerIndex++) {
    for (let position = 0; position < length; position++) {
      const end = index + inner;
      if (symmetric) {
        maxima[position] = Math.max(maxima[position]!, runMagnitude(values, index, end));
        minima[position] = -maxima[position]!;
      } else {
        minima[position] = Math.min(minima[position]!, runMinimum(values, index, end));
        maxima[position] = Math.max(maxima[position]!, runMaximum(values, index, end));
      }
      index = end;
    }
  }
}

/**
 * The least of values[start, end) and 0 (NaN if any is NaN).
 *
 * @example
 * ```ts
 * runMinimum(new Float32Array([2, -3, 1]), 0, 3); // -3
 * ```
 */
export function runMinimum(values: Float32Array, start: number, end: number): number {
  let low = 0;
  for (let index = start; index < end; index++) low = Math.min(low, values[index]!);
  return low;
}

/**
 * The greatest of values[start, end) and 0 (NaN if any is NaN).
 *
 * @example
 * ```ts
 * runMaximum(new Float32Array([-2, -3]), 0, 2); // 0
 * ```
 */
export function runMaximum(values: Float32Array, start: number, end: number): number {
  let high = 0;
  for (let index = start; index < end; index++) high = Math.max(high, values[index]!);
  return high;
}

/**
 * The greatest magnitude in values[start, end) (NaN if any is NaN).
 *
 * @example
 * ```ts
 * runMagnitude(new Float32Array([2, -3]), 0, 2); // 3
 * ```
 */
export function runMagnitude(values: Float32Array, start: number, end: number): number {
  let high = 0;
  for (let index = start; index < end; index++) high = Math.max(high, Math.abs(values[index]!));
  return high;
}

/**
 * False when a range saw NaN or an infinity.
 *
 * @example
 * ```ts
 * rangesFinite(minima, maxima, minima.length);
 * ```
 */
export function rangesFinite(minima: Float64Array, maxima: Float64Array, count: number): boolean {
  for (let slot = 0; slot < count; slot++) {
    if (!(maxima[slot]! - minima[slot]! <= Number.MAX_VALUE)) return false;
  }
  return true;
}
