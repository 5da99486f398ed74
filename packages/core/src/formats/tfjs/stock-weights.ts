/**
 * The encodings tfjs's stock loader reads, both ways: an entry and its bytes to an encoding that
 * decodes bit-identically to `tf.io.decodeWeights`, and an encoding to a stock entry where one
 * exists (dense float32 / int32 / bool, dense float16, per-tensor unsigned 8/16-bit affine).
 */
import { affineEncoding } from '../../encoding/affine.ts';
import { fromLittleEndianBytes, littleEndianBytes } from '../../encoding/byte-order.ts';
import { denseEncoding } from '../../encoding/dense.ts';
import type { AffineEncoding, Encoding } from '../../encoding/types.ts';
import { toFloat32 } from '../../tensor/host-tensor.ts';
import type { StockWeightDType, TfjsQuantization, TfjsWeightEntry } from './model-json-types.ts';

/**
 * The encoding of a stock entry from exactly `entry.byteLength` bytes (copied, never shared):
 * dense float32 / int32 / bool; `float16` quantization → dense float16; `uint8` / `uint16` on
 * float32 → per-tensor unsigned affine in the offset form with float64 scale and offset, so
 * decoding computes code * scale + min in float64 as tfjs does. `uint8` / `uint16` on int32 are
 * dequantized here exactly as tfjs does (rounded, wrapped to int32) into dense int32.
 * Throws `invalid-encoding` for bool bytes other than 0 and 1.
 *
 * @example
 * ```ts
 * const encoding = decodeStockEntry(entry, bytes); // affine uint8 for a converter --quantize_uint8 weight
 * ```
 */
export function decodeStockEntry(entry: TfjsWeightEntry, bytes: Uint8Array): Encoding {
  const shape = [...entry.shape];
  const quantization = entry.quantization;
  if (quantization === undefined) {
    switch (entry.dtype) {
      case 'float32':
        return denseEncoding({ dtype: 'float32', shape, data: fromLittleEndianBytes(bytes, Float32Array) });
      case 'int32':
        return denseEncoding({ dtype: 'int32', shape, data: fromLittleEndianBytes(bytes, Int32Array) });
      default:
        return denseEncoding({ dtype: 'bool', shape, data: bytes.slice() });
    }
  }
  if (quantization.dtype === 'float16') {
    return denseEncoding({ dtype: 'float16', shape, data: fromLittleEndianBytes(bytes, Uint16Array) });
  }
  const bits = quantization.dtype === 'uint8' ? 8 : 16;
  if (entry.dtype === 'int32') {
    const codes = bits === 8 ? bytes : fromLittleEndianBytes(bytes, Uint16Array);
    const values = new Int32Array(codes.length);
    // Int32Array stores wrap exactly like tfjs's own store of Math.round(...).
    for (let index = 0; index < codes.length; index++)
      values[index] = Math.round(codes[index]! * quantization.scale + quantization.min);
    return denseEncoding({ dtype: 'int32', shape, data: values });
  }
  return affineEncoding({
    shape,
    bits,
    signed: false,
    granularity: { kind: 'tensor' },
    // 16-bit codes are packed LSB-first, which is exactly tfjs's little-endian Uint16Array.
    codes: bytes.slice(),
    scales: { dtype: 'float64', shape: [], data: Float64Array.of(quantization.scale) },
    offsets: { dtype: 'float64', shape: [], data: Float64Array.of(quantization.min) },
  });
}

/** A stock entry's dtype, quantization and bytes (views of the encoding's data). */
export interface StockWeight {
  readonly dtype: StockWeightDType;
  readonly quantization?: TfjsQuantization;
  readonly bytes: Uint8Array;
}

/**
 * The stock form of an encoding, or undefined when tfjs cannot read it as it is: dense float32,
 * int32 and bool as they are; dense float16 as float32 with `float16` quantization; affine with
 * one unsigned 8- or 16-bit scale as `uint8` / `uint16` quantization (offset form: min = offset;
 * zero-point form: min = -zeroPoint * scale) only where tfjs's float64 code * scale + min gives
 * bit-for-bit what whittle decodes, and both numbers survive JSON.
 *
 * @example
 * ```ts
 * stockWeight(castDense(tensor, 'float16'))?.quantization; // { dtype: 'float16' }
 * stockWeight(castDense(tensor, 'bfloat16')); // undefined
 * ```
 */
export function stockWeight(encoding: Encoding): StockWeight | undefined {
  if (encoding.kind === 'dense') {
    const { dtype, data } = encoding.tensor;
    if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return { dtype, bytes: littleEndianBytes(data) };
    if (dtype === 'float16')
      return { dtype: 'float32', quantization: { dtype: 'float16' }, bytes: littleEndianBytes(data) };
    return undefined;
  }
  if (encoding.kind !== 'affine') return undefined;
  const parameters = stockAffineParameters(encoding);
  if (parameters === undefined) return undefined;
  const quantization = { dtype: encoding.bits === 8 ? 'uint8' : 'uint16', ...parameters } as const;
  return { dtype: 'float32', quantization, bytes: encoding.codes };
}

function stockAffineParameters(encoding: AffineEncoding): { min: number; scale: number } | undefined {
  if (encoding.signed || (encoding.bits !== 8 && encoding.bits !== 16) || encoding.scales.data.length !== 1)
    return undefined;
  const scale = realValue(encoding.scales);
  if (!Number.isFinite(scale) || Object.is(scale, -0)) return undefined;
  if (encoding.offsets !== undefined) {
    const offset = realValue(encoding.offsets);
    if (!Number.isFinite(offset)) return undefined;
    // JSON writes -0 as 0; the sum differs only where code * scale is -0, i.e. for a negative scale.
    if (Object.is(offset, -0)) return scale >= 0 ? { min: 0, scale } : undefined;
    return { min: offset, scale };
  }
  // (code - zeroPoint) * scale is one rounding of an exact product; tfjs's code * scale + min is
  // the same single rounding when both products are exact: a float32 (or float16) scale and a
  // zero point under 2^29. A positive scale keeps code == zeroPoint at +0 both ways.
  if (encoding.scales.dtype === 'float64' || !(scale > 0)) return undefined;
  const zeroPoint = encoding.zeroPoints?.data[0] ?? 0;
  if (Math.abs(zeroPoint) >= 2 ** 29) return undefined;
  return { min: zeroPoint === 0 ? 0 : -zeroPoint * scale, scale };
}

function realValue(tensor: AffineEncoding['scales']): number {
  return tensor.dtype === 'float64' ? tensor.data[0]! : toFloat32(tensor).data[0]!;
}
