import { expect, test } from 'vitest';
import { inputDistribution, syntheticKernel } from './synthetic-layer.ts';

function moments(values: Float32Array): { mean: number; deviation: number; kurtosis: number } {
  let sum = 0;
  for (const value of values) sum += value;
  const mean = sum / values.length;
  let second = 0;
  let fourth = 0;
  for (const value of values) {
    const squared = (value - mean) ** 2;
    second += squared;
    fourth += squared * squared;
  }
  const variance = second / values.length;
  return { mean, deviation: Math.sqrt(variance), kurtosis: fourth / values.length / variance ** 2 };
}

test('Gaussian and Laplace kernels share a standard deviation; the Laplace ones have its heavier tails', () => {
  const gaussian = moments(syntheticKernel('gaussian', 512, 1).data);
  const laplacian = moments(syntheticKernel('laplacian', 512, 1).data);
  for (const { mean, deviation } of [gaussian, laplacian]) {
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    expect(deviation).toBeCloseTo(0.02, 3);
  }
  expect(gaussian.kurtosis).toBeCloseTo(3, 0);
  expect(laplacian.kurtosis).toBeCloseTo(6, 0);
  expect(syntheticKernel('laplacian', 64, 5).data).toEqual(syntheticKernel('laplacian', 64, 5).data);
});

test('input rows: the same distribution for every sample seed, different rows', () => {
  const inputs = inputDistribution(16, 2);
  expect(inputs.sample(4, 3)).toEqual(inputDistribution(16, 2).sample(4, 3));
  expect(inputs.sample(4, 3)).not.toEqual(inputs.sample(4, 4));
  // Per-feature scales differ, and stay the same across draws.
  const spread = (rows: Float32Array, feature: number) => {
    let total = 0;
    for (let row = 0; row < rows.length / 16; row++) total += rows[row * 16 + feature]! ** 2;
    return total;
  };
  const [first, second] = [inputs.sample(4000, 5), inputs.sample(4000, 6)];
  for (let feature = 0; feature < 16; feature++) {
    expect(spread(first, feature) / spread(second, feature)).toBeCloseTo(1, 0);
  }
});
