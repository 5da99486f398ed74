/**
 * Low-rank encodings: a tensor stored as the product of two factor encodings. Finding the
 * factors (SVD) is the lowrank package's job; this file builds and checks them (`low-rank-codec.ts` multiplies them out).
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
