import { hostTensor, type HostTensor } from '@whittle/core';
import { seededRandom } from '../../seeded-random.ts';

/** The weight distributions the suite quantizes. */
export type WeightDistribution = 'gaussian' | 'laplacian';

/** Every {@link WeightDistribution}, in table order. */
export const WEIGHT_DISTRIBUTIONS: readonly WeightDistribution[] = ['gaussian', 'laplacian'];

/** Standard deviation of the synthetic weights (like a trained layer of this width). */
const WEIGHT_STANDARD_DEVIATION = 0.02;

/**
 * A seeded square dense kernel `[side, side]` whose weights are normal or Laplace distributed,
 * both with standard deviation 0.02. Laplace weights have heavier tails (a few large weights
 * stretch each group's range), as trained layers often do, which hurts uniform grids more.
 *
 * @example
 * ```ts
 * const kernel = syntheticKernel('laplacian', 1024, 1);
 * ```
 */
export function syntheticKernel(distribution: WeightDistribution, side: number, seed: number): HostTensor<'float32'> {
  const random = seededRandom(seed);
  const count = side * side;
  if (distribution === 'gaussian') return hostTensor('float32', [side, side], random.normalArray(count, 0, WEIGHT_STANDARD_DEVIATION));
  // Laplace(0, b) by inverting its CDF; standard deviation b·√2.
  const b = WEIGHT_STANDARD_DEVIATION / Math.SQRT2;
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) {
    const u = random.uniform() - 0.5;
    // 1 − 2|u| lies in (0, 1], so the logarithm is finite.
    values[index] = -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }
  return hostTensor('float32', [side, side], values);
}

/** Where a synthetic layer's inputs come from: fixed per layer, sampled as often as needed. */
export interface InputDistribution {
  /** `samples` × features input rows, row-major; the same seed gives the same rows. */
  sample(samples: number, seed: number): Float32Array;
}

/** Shared directions mixed into every input row, so features correlate. */
const SHARED_DIRECTIONS = 8;

/**
 * Inputs like a hidden layer's activations: features of unequal scale (log-normal, a few times
 * apart) plus a few directions shared by all rows, so they correlate. Calibration-based methods
 * (GPTQ) exploit exactly this structure; unit white noise would leave them nothing to exploit.
 * The scales and directions come from `seed`; rows from the seed given to `sample`, so
 * calibration and held-out rows are different draws from the same distribution.
 *
 * @example
 * ```ts
 * const inputs = inputDistribution(1024, 2);
 * const calibration = inputs.sample(2048, 3);
 * const heldOut = inputs.sample(512, 4);
 * ```
 */
export function inputDistribution(features: number, seed: number): InputDistribution {
  const random = seededRandom(seed);
  const scales = Float32Array.from({ length: features }, () => Math.exp(0.75 * random.normal()));
  const directions = random.normalArray(SHARED_DIRECTIONS * features, 0, 1);
  return {
    sample(samples, sampleSeed) {
      const draw = seededRandom(sampleSeed);
      const rows = new Float32Array(samples * features);
      for (let row = 0; row < samples; row++) {
        const offset = row * features;
        for (let feature = 0; feature < features; feature++) rows[offset + feature] = scales[feature]! * draw.normal();
        for (let direction = 0; direction < SHARED_DIRECTIONS; direction++) {
          const weight = draw.normal();
          const base = direction * features;
          for (let feature = 0; feature < features; feature++) rows[offset + feature]! += weight * directions[base + feature]!;
        }
      }
      return rows;
    },
  };
}
