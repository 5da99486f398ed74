/**
 * Low-rank encodings: a tensor stored as the product of two factor encodings. Finding the
 * factors (SVD) is the lowrank package's job; this file builds, checks and multiplies them out.
 */
import type { LowRankEncoding } from './types.ts';
import { validateEncoding } from './validate.ts';

/**
 * Builds a low-rank encoding, checking that `left` decodes to [rows, rank] and `right` to
 * [rank, columns], where columns is the last axis of `shape` and rows the product of the others.
 *
 * @example
 * ```ts
 * const encoding = lowRankEncoding({
 *   shape: [2, 3],
 *   left: denseEncoding({ dtype: 'float32', shape: [2, 1], data: new Float32Array([1, 2]) }),
 *   right: denseEncoding({ dtype: 'float32', shape: [1, 3], data: new Float32Array([1, 0, -1]) }),
 * });
 * ```
 */
export function lowRankEncoding(fields: Omit<LowRankEncoding, 'kind'>): LowRankEncoding {
  const encoding = { kind: 'lowrank', shape: [...fields.shape], left: fields.left, right: fields.right };
  return validateEncoding(encoding) as LowRankEncoding;
}

/**
 * left [rows, rank] × right [rank, columns] in row-major float32 (internal; use `decode`).
 * The i-k-j loop order streams both `right` and the output row, and each output row is summed in
 * float64 so the result does not depend on how the work is split.
 *
 * @example
 * ```ts
 * multiplyFactors(new Float32Array([1, 2]), new Float32Array([3, 4]), 2, 1, 2); // [3, 4, 6, 8]
 * ```
 */
export function multiplyFactors(
  left: Float32Array,
  right: Float32Array,
  rows: number,
  rank: number,
  columns: number
): Float32Array {
  const product = new Float32Array(rows * columns);
  const accumulator = new Float64Array(columns);
  for (let row = 0; row < rows; row++) {
    accumulator.fill(0);
    for (let inner = 0; inner < rank; inner++) {
      const weight = left[row * rank + inner]!;
      const offset = inner * columns;
      for (let column = 0; column < columns; column++) accumulator[column]! += weight * right[offset + column]!;
    }
    product.set(accumulator, row * columns);
  }
  return product;
}
