/** A deterministic pseudo-random source (not for cryptography). */
export interface SeededRandom {
  /** A uniform float in [0, 1). */
  uniform(): number;
  /** A standard normal sample (mean 0, standard deviation 1). */
  normal(): number;
  /** `length` uniform floats in [minimum, maximum). */
  uniformArray(length: number, minimum?: number, maximum?: number): Float32Array;
  /** `length` normal floats with the given mean and standard deviation. */
  normalArray(length: number, mean?: number, standardDeviation?: number): Float32Array;
}

/**
 * A seeded pseudo-random source (mulberry32 for uniforms, Box–Muller for normals), so benchmark
 * inputs and demo models are the same on every run and every runtime.
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * const weights = random.normalArray(784 * 256, 0, Math.sqrt(2 / 784)); // He initialisation
 * ```
 */
export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  let spareNormal: number | undefined;

  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };

  const normal = (): number => {
    if (spareNormal !== undefined) {
      const value = spareNormal;
      spareNormal = undefined;
      return value;
    }
    // 1 - uniform() lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };

  return {
    uniform,
    normal,
    uniformArray(length, minimum = 0, maximum = 1) {
      const values = new Float32Array(length);
      for (let index = 0; index < length; index++) values[index] = minimum + (maximum - minimum) * uniform();
      return values;
    },
    normalArray(length, mean = 0, standardDeviation = 1) {
      const values = new Float32Array(length);
      for (let index = 0; index < length; index++) values[index] = mean + standardDeviation * normal();
      return values;
    },
  };
}
