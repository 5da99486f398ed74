import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, decode, hostTensor, useBackend, type AffineEncoding } from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from './seeded-random.ts';
import { quantizeTfjsStock } from './tfjs-stock.ts';
import { chooseStockRange, quantizeTfjsStockInRange } from './uint8-range.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

/** What stock tfjs's weight loader makes of an encoding: the manifest entry it reads, decoded by tfjs itself. */
function stockDecoded(encoding: AffineEncoding, count: number): Float32Array {
  const quantization = { dtype: 'uint8' as const, min: encoding.offsets!.data[0]!, scale: encoding.scales.data[0]! };
  const decoded = tf.io.decodeWeights(encoding.codes.slice().buffer, [{ name: 'w', shape: [count], dtype: 'float32', quantization }]);
  const values = decoded.w!.dataSync() as Float32Array;
  tf.dispose(Object.values(decoded));
  return values;
}

function squaredError(values: Float32Array, decoded: Float32Array): number {
  let total = 0;
  for (let index = 0; index < values.length; index++) total += (decoded[index]! - values[index]!) ** 2;
  return total;
}

/** The plain stock rule over [low, high] (nudge zero onto a code, clip, round half to even), decoded in float32. */
function referenceError(values: Float32Array, low: number, high: number): number {
  const scale = (high - low) / 255;
  const min = low <= 0 && high >= 0 ? -bankersRound(-low / scale) * scale : low;
  const max = 255 * scale + min;
  let total = 0;
  for (const value of values) {
    const code = Math.min(255, Math.max(0, bankersRound((Math.min(Math.max(value, min), max) - min) / scale)));
    total += (Math.fround(code * scale + min) - value) ** 2;
  }
  return total;
}

function bankersRound(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  return fraction > 0.5 ? floor + 1 : fraction < 0.5 ? floor : floor % 2 === 0 ? floor : floor + 1;
}

/** The least error over an even grid of ranges inside [min, max] that hold zero: a brute-force oracle. */
function bruteForceBest(values: Float32Array, steps: number): number {
  let minimum = Infinity;
  let maximum = -Infinity;
  for (const value of values) [minimum, maximum] = [Math.min(minimum, value), Math.max(maximum, value)];
  let best = Infinity;
  for (let lowStep = 0; lowStep < steps; lowStep++) {
    for (let highStep = 0; highStep < steps; highStep++) {
      const low = Math.fround((minimum * (steps - lowStep)) / steps);
      const high = Math.fround((maximum * (steps - highStep)) / steps);
      best = Math.min(best, referenceError(values, low, high));
    }
  }
  return best;
}

function gaussian(count: number, seed: number, deviation: number): Float32Array {
  const uniform = seededRandom(seed);
  // Box–Muller; 1 − u keeps the logarithm finite.
  return Float32Array.from({ length: count }, () => deviation * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()));
}

function laplace(count: number, seed: number, spread: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: count }, () => {
    const uniform = random() - 0.5;
    return -spread * Math.sign(uniform) * Math.log(1 - 2 * Math.abs(uniform));
  });
}

function gaussianWithOutliers(count: number, seed: number): Float32Array {
  const random = seededRandom(seed + 100);
  const values = gaussian(count, seed, 0.05);
  // A few folded-batch-norm-like outliers, 20–60 σ out.
  for (let index = 0; index < 4; index++) values[Math.floor(random() * count)] = (index % 2 === 0 ? 1 : -1) * (1 + 2 * random());
  return values;
}

describe('stock uint8 over an MSE-chosen range', () => {
  it('minmax is exactly tfjs-converter’s quantization', () => {
    const values = gaussianWithOutliers(5000, 1);
    const tensor = hostTensor('float32', [50, 100], values);
    expect(quantizeTfjsStockInRange(tensor, 'uint8', 'minmax')).toStrictEqual(quantizeTfjsStock(tensor, 'uint8'));
  });

  it('never has more squared error than [min, max], as stock tfjs decodes it, and keeps zero exact', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.array(fc.float({ min: -1000, max: 1000, noNaN: true }), { maxLength: 3 }),
        (body, outliers) => {
          const values = Float32Array.from([...body, ...outliers, 0]);
          const tensor = hostTensor('float32', [values.length], values);
          const chosen = quantizeTfjsStockInRange(tensor, 'uint8', 'mse');
          const converter = quantizeTfjsStock(tensor, 'uint8');
          const chosenDecoded = stockDecoded(chosen, values.length);
          // whittle's decoder and stock tfjs's agree bit for bit.
          expect(Array.from(decode(chosen).data)).toEqual(Array.from(chosenDecoded));
          expect(squaredError(values, chosenDecoded)).toBeLessThanOrEqual(squaredError(values, stockDecoded(converter, values.length)));
          expect(chosenDecoded[values.length - 1]).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([
    { name: 'Gaussian with a few outliers', values: gaussianWithOutliers(4000, 2) },
    { name: 'Laplacian', values: laplace(4000, 3, 0.02) },
    { name: 'Gaussian', values: gaussian(4000, 4, 0.05) },
  ])('comes within 2% of a brute-force search over ranges on $name weights', ({ values }) => {
    const { low, high } = chooseStockRange(values, 8);
    expect(referenceError(values, low, high)).toBeLessThanOrEqual(1.02 * bruteForceBest(values, 60));
  });

  it('clips the long tail of Laplacian weights, which costs the others their resolution', () => {
    const values = laplace(50000, 5, 0.02);
    const tensor = hostTensor('float32', [values.length], values);
    const chosen = squaredError(values, stockDecoded(quantizeTfjsStockInRange(tensor, 'uint8', 'mse'), values.length));
    const converter = squaredError(values, stockDecoded(quantizeTfjsStock(tensor, 'uint8'), values.length));
    // About 10% less at 8 bits: the tail is long but thin, and 256 codes are many.
    expect(chosen).toBeLessThan(converter / 1.05);
  });

  it('keeps ranges of constant, one-value, empty and all-positive tensors loadable', () => {
    for (const values of [[3, 3, 3], [7], [], [0.5, 1, 2, 400]]) {
      const data = Float32Array.from(values);
      const encoding = quantizeTfjsStockInRange(hostTensor('float32', [data.length], data), 'uint8', 'mse');
      const decoded = stockDecoded(encoding, data.length);
      expect(decoded.every(Number.isFinite)).toBe(true);
      if (values.length > 0 && new Set(values).size === 1) expect(Array.from(decoded)).toEqual(values);
    }
  });

  it('reject NaN, infinities, integer tensors and unknown ranges with typed errors', () => {
    const nan = hostTensor('float32', [3], Float32Array.from([0, Number.NaN, 1]));
    expect(() => quantizeTfjsStockInRange(nan, 'uint8', 'mse')).toThrow(expect.objectContaining({ code: 'invalid-tensor', field: 'data[1]' }));
    const infinite = hostTensor('float32', [2], Float32Array.from([Number.NEGATIVE_INFINITY, 1]));
    expect(() => quantizeTfjsStockInRange(infinite, 'uint8', 'mse')).toThrow(WhittleError);
    expect(() => quantizeTfjsStockInRange(hostTensor('int32', [2]), 'uint8', 'mse')).toThrow(expect.objectContaining({ code: 'invalid-tensor', field: 'dtype' }));
    const fine = hostTensor('float32', [2]);
    expect(() => quantizeTfjsStockInRange(fine, 'uint8', 'percentile' as 'mse')).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'range' }));
  });
});
