/**
 * Scales are computed in float64 but stored as float32 or float16. Codes must be computed with
 * the stored scale, and that scale must not be smaller than the one asked for, or the largest
 * values would clamp and break the half-a-step error bound. So scales round up, never to zero.
 */
import { WhittleError, describeValue } from '@whittle/core';
import { ROUNDING_MAGIC } from './round-half-even.ts';

/** The dtypes an affine encoding stores its scales (and offsets) in. */
export type ScaleDType = 'float64' | 'float32' | 'float16';

const LARGEST_FLOAT16 = 65504;
const LARGEST_FLOAT32 = 3.4028234663852886e38;

const float64Scratch = new Float64Array(1);
const wordScratch = new Uint32Array(float64Scratch.buffer);
/** Index of the word holding a double's sign and exponent. */
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * The smallest value storable in `dtype` that is ≥ `scale` (and > 0). Throws an
 * `invalid-argument` error when `scale` is not a positive finite number, or is beyond the
 * largest finite value of `dtype` (65504 for float16).
 *
 * @example
 * ```ts
 * representableScale(0.1, 'float16'); // 0.10003662109375 (0x2e67: the half just above 0.1)
 * representableScale(1e-30, 'float16'); // 5.960464477539063e-8 (the smallest half)
 * ```
 */
export function representableScale(scale: number, dtype: ScaleDType): number {
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new WhittleError('invalid-argument', `scale must be a positive finite number, got ${describeValue(scale)}`, {
      field: 'scale',
    });
  }
  switch (dtype) {
    case 'float64':
      return scale;
    case 'float32':
      // 24 significant bits; below 2^-126 the spacing stays that of the subnormals, 2^-149.
      return checkLargest(roundUp(scale, 24, -126), LARGEST_FLOAT32, scale, dtype);
    case 'float16':
      // 11 significant bits; below 2^-14 the spacing stays 2^-24.
      return checkLargest(roundUp(scale, 11, -14), LARGEST_FLOAT16, scale, dtype);
    default:
      throw new WhittleError(
        'invalid-argument',
        `scale dtype must be float64, float32 or float16, got ${describeValue(dtype)}`,
        { field: 'scaleDType' },
      );
  }
}

/**
 * The scale of `dtype` nearest to `scale` (ties to the even one), never 0: the smallest positive
 * value of `dtype` at least. For a scale that codes may exceed by a hair without leaving their
 * range (the signed-extreme grid's extreme maps to qmin exactly only up to this rounding, and
 * rounds to qmin still). Throws as {@link representableScale} does.
 *
 * @example
 * ```ts
 * nearestRepresentableScale(0.1, 'float16'); // 0.0999755859375 (0x2e66: the half nearest 0.1)
 * ```
 */
export function nearestRepresentableScale(scale: number, dtype: 'float32' | 'float16'): number {
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new WhittleError('invalid-argument', `scale must be a positive finite number, got ${describeValue(scale)}`, {
      field: 'scale',
    });
  }
  const spacing = dtype === 'float16' ? spacingAt(scale, 11, -14) : spacingAt(scale, 24, -126);
  // value / spacing is exact (a power of two) and below 2^51: the magic constant rounds it half to even.
  const nearest = Math.max((scale / spacing + ROUNDING_MAGIC - ROUNDING_MAGIC) * spacing, dtype === 'float16' ? 2 ** -24 : 2 ** -149);
  return checkLargest(nearest, dtype === 'float16' ? LARGEST_FLOAT16 : LARGEST_FLOAT32, scale, dtype);
}

/**
 * Rounds a positive double up to `precision` significant bits, with the spacing fixed below
 * 2^`minimumExponent` as a format's subnormals have it. Dividing and multiplying by a power of
 * two is exact, so this is one ceil, with no bit-level format conversion.
 */
function roundUp(value: number, precision: number, minimumExponent: number): number {
  const spacing = spacingAt(value, precision, minimumExponent);
  return Math.ceil(value / spacing) * spacing;
}

/** The spacing of a format of `precision` significant bits at a positive double. */
function spacingAt(value: number, precision: number, minimumExponent: number): number {
  float64Scratch[0] = value;
  // Doubles this small are subnormal and lack an exponent to read; they are below either format's grid anyway.
  const exponent = Math.max(((wordScratch[HIGH_WORD]! >>> 20) & 0x7ff) - 1023, minimumExponent);
  // Build the spacing 2^(exponent - precision + 1) from its bits: `**` is a slow call per scale.
  wordScratch[HIGH_WORD] = (exponent - precision + 1 + 1023) << 20;
  wordScratch[1 - HIGH_WORD] = 0;
  return float64Scratch[0]!;
}

function checkLargest(stored: number, largest: number, scale: number, dtype: ScaleDType): number {
  if (stored > largest) throw scaleTooLarge(scale, dtype);
  return stored;
}

/**
 * The error for a scale beyond its dtype, built in its own function: a template literal inline
 * in the hot check gave the JIT a string operation it had never seen run, and it deoptimised
 * the check for every later call.
 */
function scaleTooLarge(scale: number, dtype: ScaleDType): WhittleError {
  return new WhittleError('invalid-argument', `scale ${scale} does not fit ${dtype}; store scales as float32 (scaleDType: 'float32')`, {
    field: 'scaleDType',
  });
}
