/**
 * Round half to even, the rounding IEEE 754, numpy and tfjs's `round` use, so codes match
 * theirs and ties do not bias a tensor's mean upwards as `Math.round` (half up) would.
 */

/**
 * Adding and subtracting 1.5 · 2^52 makes the FPU round a double to an integer in its own
 * round-to-nearest-even mode: no branch, no call. Exact for |value| < 2^51.
 */
export const ROUNDING_MAGIC = 6755399441055744;

/** Largest magnitude {@link roundHalfToEven} takes the fast path for. */
const FAST_LIMIT = 2 ** 51;

/**
 * `value` rounded to the nearest integer, ties to the even one.
 *
 * @example
 * ```ts
 * roundHalfToEven(2.5); // 2
 * roundHalfToEven(3.5); // 4
 * roundHalfToEven(-0.5); // -0
 * ```
 */
export function roundHalfToEven(value: number): number {
  if (!(Math.abs(value) < FAST_LIMIT)) return value; // NaN, infinities and huge values are already integral
  const rounded = value + ROUNDING_MAGIC - ROUNDING_MAGIC;
  // Keep the sign of a negative value that rounds to zero, as Math.round does.
  return rounded === 0 ? value * 0 : rounded;
}
