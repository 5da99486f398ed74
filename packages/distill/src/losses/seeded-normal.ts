/**
 * Seeded standard-normal numbers, so a learned projection starts the same on every run, backend
 * and runtime.
 */

/**
 * `count` float32 samples of N(0, standardDeviation²) from `seed`: mulberry32 uniforms through
 * Box–Muller.
 *
 * @example
 * ```ts
 * const values = seededNormal(6, 0.25, 42); // the same six numbers on every run
 * ```
 */
export function seededNormal(count: number, standardDeviation: number, seed: number): Float32Array {
  const values = new Float32Array(count);
  const uniform = seededUniform(seed);
  for (let index = 0; index < count; index += 2) {
    // 1 − u lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - uniform())) * standardDeviation;
    const angle = 2 * Math.PI * uniform();
    values[index] = radius * Math.cos(angle);
    if (index + 1 < count) values[index + 1] = radius * Math.sin(angle);
  }
  return values;
}

/**
 * A mulberry32 source of uniform floats in [0, 1) from `seed`.
 *
 * @example
 * ```ts
 * const uniform = seededUniform(7);
 * uniform(); // the same first number on every run
 * ```
 */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}
