/**
 * A small seeded pseudo-random generator, so every randomised choice (k-means reseeding) is
 * reproducible from a recipe's `seed`.
 */

/**
 * A generator of uniform numbers in [0, 1) from a 32-bit seed (mulberry32: tiny, fast, and good
 * enough for choosing among weights; not for cryptography).
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * random(); // the same first number for seed 42, every run, on every runtime
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}
