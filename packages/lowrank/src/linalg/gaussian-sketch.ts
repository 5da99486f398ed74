/**
 * Seeded standard-normal matrices for randomized sketches: the same seed gives the same sketch on
 * every platform, so a randomized decomposition is reproducible.
 */
import { WhittleError } from '@whittle/core';

/** The most values one sketch may hold: 2³⁰ float32 values, 4 GiB. */
export const MAX_SKETCH_VALUES = 2 ** 30;

/**
 * `count` standard-normal float32 values from `seed` (an integer; only its low 32 bits count): a mulberry32 stream
 * through the Box–Muller transform.
 *
 * @example
 * ```ts
 * const sketch = gaussianSketch(1024 * 74, 7); // a 1024 × 74 test matrix, row-major
 * ```
 */
export function gaussianSketch(count: number, seed: number): Float32Array {
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0 || count > MAX_SKETCH_VALUES) {
    throw new WhittleError('invalid-argument', `gaussianSketch needs count to be an integer from 0 to ${MAX_SKETCH_VALUES}`, {
      field: 'count',
    });
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new WhittleError('invalid-argument', 'gaussianSketch needs seed to be an integer', { field: 'seed' });
  }
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    // In (0, 1]: the logarithm below never sees 0.
    return (((mixed ^ (mixed >>> 14)) >>> 0) + 1) / 4294967296;
  };
  const result = new Float32Array(count);
  for (let index = 0; index < count; index += 2) {
    const radius = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    result[index] = radius * Math.cos(angle);
    if (index + 1 < count) result[index + 1] = radius * Math.sin(angle);
  }
  return result;
}
