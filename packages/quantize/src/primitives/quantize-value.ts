/**
 * Quantizing a single number: round(value / scale), the exact quotient's nearest code. The bulk
 * quantizers (`quantizeAffine`) round the float32 product value · float32(1 / scale) instead, as
 * SIMD lanes and GPUs compute it, and agree with this everywhere but within float32 rounding of a
 * half step.
 */
import { WhittleError, describeValue } from '@whittle/core';
import { roundHalfToEven } from './round-half-even.ts';

/**
 * The code of `value`: round(value / scale) + zeroPoint, rounding half to even, clamped to
 * `[qmin, qmax]`. Infinities clamp to the ends of the range; NaN is an `invalid-argument` error.
 *
 * @example
 * ```ts
 * quantizeValue(0.26, 0.1, 0, -128, 127); // 3
 * quantizeValue(0.25, 0.1, 0, -128, 127); // 2 (2.5 rounds to even)
 * quantizeValue(99, 0.1, 0, -128, 127); // 127
 * ```
 */
export function quantizeValue(value: number, scale: number, zeroPoint: number, qmin: number, qmax: number): number {
  if (Number.isNaN(value)) {
    throw new WhittleError('invalid-argument', 'cannot quantize NaN', { field: 'value' });
  }
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new WhittleError('invalid-argument', `scale must be a positive finite number, got ${describeValue(scale)}`, {
      field: 'scale',
    });
  }
  const code = roundHalfToEven(value / scale) + zeroPoint;
  // A negative value that rounds to zero gives -0; codes are integers, so make it 0.
  return code < qmin ? qmin : code > qmax ? qmax : code + 0;
}
