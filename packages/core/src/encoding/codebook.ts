/**
 * Codebook (weight sharing) encodings: each element is `centroids[index]`. Finding centroids
 * (k-means) is the quantize package's job; this file builds and checks the result (`codebook-codec.ts` decodes it).
 */
import { WhittleError } from '../errors.ts';
import { describeValue } from '../tensor/shape.ts';
import { packBits } from './bit-pack.ts';
import type { CodebookEncoding } from './types.ts';
import { validateEncoding } from './validate.ts';

/**
 * The narrowest code width (1–8 or 16) that can index `count` distinct values.
 *
 * @example
 * ```ts
 * bitsForCount(16); // 4
 * bitsForCount(17); // 5
 * ```
 */
export function bitsForCount(count: number): number {
  if (!Number.isSafeInteger(count) || count < 0 || count > 2 ** 16) {
    throw new WhittleError('invalid-argument', `count must be an integer in [0, 65536], got ${describeValue(count)}`, {
      field: 'count',
    });
  }
  let bits = 1;
  while (2 ** bits < count) bits++;
  return bits <= 8 ? bits : 16;
}

/**
 * Builds a codebook encoding from packed indices, checking every field (at most 2^bits
 * centroids, every index below the centroid count). Buffers are shared, not copied.
 *
 * @example
 * ```ts
 * const encoding = codebookEncoding({
 *   shape: [3], bits: 2,
 *   centroids: { dtype: 'float32', shape: [3], data: new Float32Array([-1, 0, 1]) },
 *   indices: new Uint8Array([0b100100]),
 * });
 * ```
 */
export function codebookEncoding(fields: Omit<CodebookEncoding, 'kind'>): CodebookEncoding {
  const encoding: CodebookEncoding = {
    kind: 'codebook',
    shape: [...fields.shape],
    bits: fields.bits,
    centroids: fields.centroids,
    indices: fields.indices,
  };
  return validateEncoding(encoding) as CodebookEncoding;
}

/**
 * Builds a codebook encoding from unpacked indices (row-major, one per element). `bits`
 * defaults to the narrowest width that indexes every centroid.
 *
 * @example
 * ```ts
 * const encoding = codebookFromIndices({
 *   shape: [2, 2],
 *   centroids: { dtype: 'float32', shape: [3], data: new Float32Array([-1, 0, 1]) },
 *   indices: [0, 1, 2, 1],
 * });
 * encoding.bits; // 2
 * ```
 */
export function codebookFromIndices(
  fields: Omit<CodebookEncoding, 'kind' | 'indices' | 'bits'> & {
    readonly indices: ArrayLike<number>;
    readonly bits?: number;
  }
): CodebookEncoding {
  const bits = fields.bits ?? bitsForCount(fields.centroids.data.length);
  return codebookEncoding({
    shape: fields.shape,
    bits,
    centroids: fields.centroids,
    indices: packBits(fields.indices, bits, false),
  });
}
