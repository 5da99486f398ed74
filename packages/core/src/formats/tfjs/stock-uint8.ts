/**
 * tfjs-converter's stock uint8 / uint16 weight quantization (`--quantize_uint8`): one affine
 * range per tensor, nudged so that zero is exactly representable. Stock tfjs decodes it as
 * code * scale + min in float64, which the affine encoding's offset form reproduces exactly.
 */
import { WhittleError } from '../../errors.ts';
import { affineEncoding } from '../../encoding/affine.ts';
import { littleEndianBytes } from '../../encoding/byte-order.ts';
import type { AffineEncoding } from '../../encoding/types.ts';

/** A stock tfjs quantization: the manifest's `scale` and `min`, and the largest value reached. */
export interface TfjsStockQParams {
  readonly scale: number;
  /** The (nudged) minimum: code 0 decodes to it. */
  readonly min: number;
  /** The (nudged) maximum: the largest code decodes to it. */
  readonly max: number;
}

/**
 * The stock scale and minimum for values in [minimum, maximum], as tfjs-converter's
 * `quantize_weights` computes them in float64: a constant range gets scale 1 and min = its value;
 * otherwise scale = (maximum − minimum) / (2^bits − 1) and, when the range holds zero, min is
 * nudged to −round(−minimum / scale) · scale (half to even) so zero is a code. A range without
 * zero is not nudged: that is the converter's rule, and no value there is zero.
 *
 * @example
 * ```ts
 * tfjsStockQParams(-1, 1, 8); // { scale: 2 / 255, min: -128 * (2 / 255), max: 127 * (2 / 255) }
 * tfjsStockQParams(3, 3, 8); // { scale: 1, min: 3, max: 3 }
 * ```
 */
export function tfjsStockQParams(minimum: number, maximum: number, bits: 8 | 16): TfjsStockQParams {
  if (!Number.isFinite(minimum) || !Number.isFinite(maximum) || minimum > maximum || !(maximum - minimum <= Number.MAX_VALUE)) {
    throw new WhittleError('invalid-tensor', `stock quantization needs a finite range, got [${minimum}, ${maximum}]`, {
      field: 'data',
    });
  }
  if (minimum === maximum) return { scale: 1, min: minimum, max: maximum };
  const levels = 2 ** bits - 1;
  const scale = (maximum - minimum) / levels;
  if (minimum <= 0 && 0 <= maximum) {
    // `+ 0` turns the -0 of a zero point of 0 into 0: JSON keeps only +0.
    const min = -roundHalfEven(-minimum / scale) * scale + 0;
    return { scale, min, max: levels * scale + min };
  }
  return { scale, min: minimum, max: maximum };
}

/**
 * Quantizes float values as tfjs-converter does (see {@link tfjsStockQParams}):
 * codes = round-half-even((clip(x, min, max) − min) / scale), in float64 as numpy ≥ 2 computes
 * it. Returns the offset form (float64 scale and offset). An empty tensor gets scale 1, min 0.
 * NaN or an infinity is an `invalid-tensor` error.
 *
 * @example
 * ```ts
 * const encoding = quantizeStockAffine(new Float32Array([-1, 0, 2]), [3], 8);
 * encoding.scales.data[0]; // 3 / 255
 * ```
 */
export function quantizeStockAffine(values: Float32Array, shape: readonly number[], bits: 8 | 16 = 8): AffineEncoding {
  let minimum = values.length === 0 ? 0 : Number.POSITIVE_INFINITY;
  let maximum = values.length === 0 ? 0 : Number.NEGATIVE_INFINITY;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (value !== value) {
      throw new WhittleError('invalid-tensor', `element ${index} is NaN; stock quantization needs finite values`, {
        field: `data[${index}]`,
      });
    }
    if (value < minimum) minimum = value;
    if (value > maximum) maximum = value;
  }
  const { scale, min, max } = tfjsStockQParams(minimum, maximum, bits);
  const levels = 2 ** bits - 1;
  const codes = bits === 8 ? new Uint8Array(values.length) : new Uint16Array(values.length);
  if (minimum !== maximum) {
    for (let index = 0; index < values.length; index++) {
      const clipped = Math.min(Math.max(values[index]!, min), max);
      codes[index] = Math.min(Math.max(roundHalfEven((clipped - min) / scale), 0), levels);
    }
  }
  return affineEncoding({
    shape: [...shape],
    bits,
    signed: false,
    granularity: { kind: 'tensor' },
    codes: littleEndianBytes(codes),
    scales: { dtype: 'float64', shape: [], data: Float64Array.of(scale) },
    offsets: { dtype: 'float64', shape: [], data: Float64Array.of(min) },
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
