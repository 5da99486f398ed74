/**
 * The stock TensorFlow.js weight quantization (tfjs-converter's `--quantize_uint8` /
 * `--quantize_uint16`), so that what whittle writes loads in an unmodified
 * `tf.loadLayersModel` / `tf.loadGraphModel`: one scale and one minimum per tensor, unsigned
 * codes, value = code · scale + min in float64. The manifest stores `{ dtype, min, scale }`. The
 * algorithm itself is core's (`quantizeStockAffine`, `tfjsStockQParams`), which core's
 * `decompress` uses too; this adds the tensor-level checks the recipe handlers need.
 */
import {
  WhittleError,
  affineByteLength,
  describeValue,
  isFloatDType,
  toFloat32,
  type AffineEncoding,
  type HostTensor,
} from '@whittle/core';
import { quantizeStockAffine } from '@whittle/core/tfjs';
import { firstNonFinite, nonFiniteError } from './non-finite.ts';

export { tfjsStockQParams, type TfjsStockQParams } from '@whittle/core/tfjs';

/** The code dtypes stock tfjs dequantizes. */
export type TfjsStockDType = 'uint8' | 'uint16';

/**
 * Quantizes a float tensor the stock tfjs way into an affine encoding in the offset form:
 * unsigned 8- or 16-bit codes, per tensor, float64 `scales` and `offsets` (the manifest's `scale`
 * and `min`). Codes are computed in float64 as numpy ≥ 2 does (numpy 1.x computes in float32 and
 * can differ by one code where a value sits within float32 rounding of a half step).
 * Throws `invalid-tensor` naming the element for NaN or an infinity.
 *
 * @example
 * ```ts
 * const encoding = quantizeTfjsStock(hostTensor('float32', [3], new Float32Array([-1, 0, 1])), 'uint8');
 * encoding.offsets?.data; // Float64Array [-128 * (2 / 255)]: the manifest's `min`
 * ```
 */
export function quantizeTfjsStock(tensor: HostTensor, dtype: TfjsStockDType): AffineEncoding {
  if (!isFloatDType(tensor.dtype)) {
    throw new WhittleError('invalid-tensor', `quantizes float tensors, got ${describeValue(tensor.dtype)}`, {
      field: 'dtype',
    });
  }
  if (dtype !== 'uint8' && dtype !== 'uint16') {
    throw new WhittleError('invalid-argument', `stock tfjs quantization is uint8 or uint16, got ${describeValue(dtype)}`, {
      field: 'dtype',
    });
  }
  const values = toFloat32(tensor).data;
  const nonFinite = firstNonFinite(values);
  if (nonFinite >= 0) throw nonFiniteError(values, nonFinite);
  return quantizeStockAffine(values, tensor.shape, dtype === 'uint8' ? 8 : 16);
}

/**
 * The exact bytes `quantizeTfjsStock` stores for a tensor of `shape`: one code per element (1
 * byte for uint8, 2 for uint16) plus a float64 scale and a float64 minimum.
 *
 * @example
 * ```ts
 * tfjsStockByteLength([64, 32], 'uint8'); // 2048 + 16
 * ```
 */
export function tfjsStockByteLength(shape: readonly number[], dtype: TfjsStockDType): number {
  return affineByteLength({ shape, bits: dtype === 'uint8' ? 8 : 16, granularity: { kind: 'tensor' }, scaleDType: 'float64', offsetDType: 'float64' });
}
