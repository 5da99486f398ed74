/**
 * Seeded standard-normal numbers, the same on every backend and runtime, so an adapter's
 * initialisation depends on its seed alone.
 */

/**
 * `count` float32 samples of N(0, standardDeviation²) from `seed` (mulberry32 uniforms through
 * Box–Muller).
 *
 * @example
 * ```ts
 * const values = seededGaussian(6, 0.25, 42); // the same six numbers on every run
 * ```
 */
export function seededGaussian(count: number, standardDeviation: number, seed: number): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
  for (let index = 0; index < count; index += 2) {
    // 1 − u lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - uniform())) * standardDeviation;
    const angle = 2 * Math.PI * uniform();
    values[index] = radius * Math.cos(angle);
    if (index + 1 < count) values[index + 1] = radius * Math.sin(angle);
  }
  return values;
}
