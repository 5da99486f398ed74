/**
 * Seeded random floats for test models, so a failure reproduces.
 *
 * @example
 * ```ts
 * const weights = randomFloats(8 * 16, 1, 0.5);
 * ```
 */
/** Uniform floats in [-scale, scale) from a seeded xorshift generator. */
export function randomFloats(count: number, seed: number, scale = 1): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < count; index++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    values[index] = ((state / 2 ** 32) * 2 - 1) * scale;
  }
  return values;
}
