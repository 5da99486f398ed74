/**
 * Sizes of an encoding: the bytes it stores, and the logical tensor it stands for.
 */
import { builtInEncodings } from './encoding-codecs.ts';
import type { Encoding } from './types.ts';

/**
 * Exact storage bytes: the sum of every component buffer (codes, scales, zero points,
 * centroids, indices, mask, gaps, row pointers, positions, nested values and factors). Metadata
 * such as shape, bits and kind is not counted. Equals the byte total of `encodingParts`.
 *
 * @example
 * ```ts
 * byteLength(castDense({ dtype: 'float32', shape: [10], data: new Float32Array(10) }, 'float16')); // 20
 * ```
 */
export function byteLength(encoding: Encoding): number {
  return builtInEncodings.byteLength(encoding);
}

/**
 * The shape of the tensor an encoding decodes to.
 *
 * @example
 * ```ts
 * encodingShape(denseEncoding({ dtype: 'int8', shape: [2, 3], data: new Int8Array(6) })); // [2, 3]
 * ```
 */
export function encodingShape(encoding: Encoding): readonly number[] {
  return builtInEncodings.shape(encoding);
}

/**
 * Elements of the logical tensor (the parameter count it stands for, zeros included).
 *
 * @example
 * ```ts
 * encodingParamCount(denseEncoding({ dtype: 'int8', shape: [2, 3], data: new Int8Array(6) })); // 6
 * ```
 */
export function encodingParamCount(encoding: Encoding): number {
  const count = encodingShape(encoding).reduce((product, dimension) => product * dimension, 1);
  // A -0 dimension is a valid shape entry; never let it turn the count into -0.
  return count === 0 ? 0 : count;
}
