/**
 * The integer range codes of a given width may take.
 */
import { WhittleError, describeValue, isValidBits } from '@whittle/core';

/** The smallest and largest code a quantizer may produce. */
export interface QuantizationRange {
  readonly qmin: number;
  readonly qmax: number;
}

/**
 * The code range of `bits`-wide codes (1–8 or 16): `[-2^(bits-1), 2^(bits-1) - 1]` when
 * `signed`, `[0, 2^bits - 1]` otherwise. `narrowRange` drops the lowest code, so signed ranges
 * become symmetric (`[-127, 127]` for 8 bits), as TensorFlow's `narrow_range` does.
 *
 * @example
 * ```ts
 * quantizationRange(8, true); // { qmin: -128, qmax: 127 }
 * quantizationRange(8, true, true); // { qmin: -127, qmax: 127 }
 * quantizationRange(4, false); // { qmin: 0, qmax: 15 }
 * ```
 */
export function quantizationRange(bits: number, signed: boolean, narrowRange = false): QuantizationRange {
  if (!isValidBits(bits)) {
    throw new WhittleError('invalid-argument', `bits must be 1–8 or 16, got ${describeValue(bits)}`, { field: 'bits' });
  }
  const qmin = (signed ? -(2 ** (bits - 1)) : 0) + (narrowRange ? 1 : 0);
  const qmax = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  if (qmin >= qmax) {
    throw new WhittleError(
      'invalid-argument',
      `${bits}-bit ${signed ? 'signed ' : ''}codes${narrowRange ? ' with a narrow range' : ''} leave fewer than two levels`,
      { field: 'bits' },
    );
  }
  return { qmin, qmax };
}
