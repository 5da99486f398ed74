/**
 * tfjs-converter's stock uint8 / uint16 weight quantization (`--quantize_uint8`): one affine
 * range per tensor, nudged so that zero is exactly representable.
 */
import { affineEncoding } from '../../encoding/affine.ts';
import { littleEndianBytes } from '../../encoding/byte-order.ts';
import type { AffineEncoding } from '../../encoding/types.ts';

/**
 * Quantizes float values as tfjs-converter's `quantize_weights` does: min and max of the tensor
 * in float64; a constant tensor gets scale 1, min = its value and all-zero codes; otherwise
 * scale = (max - min) / (2^bits - 1) and, when the range covers zero, min is nudged to
 * -round(-min / scale) * scale so zero is exact; codes = round-half-even((clip(x) - min) / scale).
 * Returns the offset form (float64 scale and offset) that tfjs decodes as code * scale + min.
 * An empty tensor gets scale 1, min 0. Values must be finite.
 *
 * @example
 * ```ts
 * const encoding = quantizeStockAffine(new Float32Array([-1, 0, 2]), [3], 8);
 * encoding.scales.data[0]; // 3 / 255
 * ```
 */
export function quantizeStockAffine(values: Float32Array, shape: readonly number[], bits: 8 | 16 = 8): AffineEncoding {
  const levels = 2 ** bits - 1;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const codes = bits === 8 ? new Uint8Array(values.length) : new Uint16Array(values.length);
  let scale = 1;
  let offset = values.length === 0 ? 0 : min;
  if (values.length > 0 && min !== max) {
    scale = (max - min) / levels;
    let high = max;
    if (min <= 0 && 0 <= max) {
      offset = -roundHalfEven((0 - min) / scale) * scale;
      high = levels * scale + offset;
    }
    for (let index = 0; index < values.length; index++) {
      const clipped = Math.min(Math.max(values[index]!, offset), high);
      codes[index] = Math.min(Math.max(roundHalfEven((clipped - offset) / scale), 0), levels);
    }
  }
  return affineEncoding({
    shape: [...shape],
    bits,
    signed: false,
    granularity: { kind: 'tensor' },
    codes: littleEndianBytes(codes),
    scales: { dtype: 'float64', shape: [], data: Float64Array.of(scale) },
    // -0 (a range starting at zero) and +0 decode alike for a positive scale, and JSON keeps only +0.
    offsets: { dtype: 'float64', shape: [], data: Float64Array.of(offset === 0 ? 0 : offset) },
  });
}

/** numpy's `round`: halves go to the even neighbour. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
