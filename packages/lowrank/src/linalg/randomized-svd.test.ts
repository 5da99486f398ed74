import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, useBackend } from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { randomizedSvd } from './randomized-svd.ts';
import { matrixWithSpectrum, orthonormalityError, seededNormals, truncationError } from './reference-maths.test-support.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('randomizedSvd', () => {
  test('is within 1% of the optimal rank-r error on decaying spectra (q = 2), leaking no tensors', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 40, max: 90 }),
        fc.integer({ min: 40, max: 90 }),
        fc.integer({ min: 2, max: 12 }),
        fc.double({ min: 0.6, max: 0.95, noNaN: true }),
        fc.integer(),
        fc.boolean(),
        async (rows, columns, rank, decay, seed, slow) => {
          const count = Math.min(rows, columns);
          // Geometric or polynomial decay, the two shapes trained weights show.
          const sigma = Array.from({ length: count }, (_, index) => (slow ? 1 / (index + 1) : decay ** index));
          const matrix = matrixWithSpectrum(rows, columns, sigma, seed);
          const before = tf.memory().numTensors;
          const result = await randomizedSvd(matrix, { rows, columns }, { rank, powerIterations: 2, seed });
          expect(tf.memory().numTensors).toBe(before);
          expect(result.count).toBe(rank);
          expect(result.singularValues.length).toBe(rank);
          const optimal = Math.sqrt(sigma.slice(rank).reduce((sum, value) => sum + value * value, 0));
          expect(truncationError(matrix, rows, columns, result, rank)).toBeLessThanOrEqual(1.01 * optimal + 1e-5);
          expect(orthonormalityError(result.u, rows, rank)).toBeLessThan(1e-4);
          expect(orthonormalityError(result.v, columns, rank)).toBeLessThan(1e-4);
          for (let index = 0; index < rank; index++) {
            expect(Math.abs(result.singularValues[index]! - sigma[index]!)).toBeLessThan(0.01 * sigma[0]!);
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  test('is reproducible for one seed and differs between seeds on a flat spectrum', async () => {
    const matrix = Float32Array.from(seededNormals(30 * 20, 5));
    const shape = { rows: 30, columns: 20 };
    const first = await randomizedSvd(matrix, shape, { rank: 3, oversampling: 0, powerIterations: 0, seed: 9 });
    const again = await randomizedSvd(matrix, shape, { rank: 3, oversampling: 0, powerIterations: 0, seed: 9 });
    const other = await randomizedSvd(matrix, shape, { rank: 3, oversampling: 0, powerIterations: 0, seed: 10 });
    expect(again.singularValues).toEqual(first.singularValues);
    expect(other.singularValues).not.toEqual(first.singularValues);
  });

  test('handles wide matrices and a rank equal to the smaller side', async () => {
    const sigma = [3, 2, 1, 0.5, 0.25];
    const matrix = matrixWithSpectrum(5, 40, sigma, 2);
    const result = await randomizedSvd(matrix, { rows: 5, columns: 40 }, { rank: 5 });
    sigma.forEach((value, index) => expect(Math.abs(result.singularValues[index]! - value)).toBeLessThan(1e-5));
    expect(truncationError(matrix, 5, 40, result, 5)).toBeLessThan(1e-5);
  });

  test('rejects bad options and values with typed errors, leaking no tensors', async () => {
    const matrix = new Float32Array(12);
    const shape = { rows: 3, columns: 4 };
    const before = tf.memory().numTensors;
    const cases: [unknown, unknown, unknown, string][] = [
      [matrix, shape, { rank: 0 }, 'options.rank'],
      [matrix, shape, { rank: 4 }, 'options.rank'],
      [matrix, shape, { rank: 1.5 }, 'options.rank'],
      [matrix, shape, {}, 'options.rank'],
      [matrix, shape, undefined, 'options'],
      [matrix, shape, { rank: 1, oversampling: -1 }, 'options.oversampling'],
      [matrix, shape, { rank: 1, powerIterations: 1e9 }, 'options.powerIterations'],
      [matrix, shape, { rank: 1, seed: Number.NaN }, 'options.seed'],
      [new Float32Array([1, Number.NaN, 0, 0]), { rows: 2, columns: 2 }, { rank: 1 }, 'values[1]'],
      [new Float32Array(5), shape, { rank: 1 }, 'values'],
    ];
    for (const [values, matrixShape, options, field] of cases) {
      const error = await randomizedSvd(values as Float32Array, matrixShape as typeof shape, options as { rank: number }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(WhittleError);
      expect((error as WhittleError).field).toBe(field);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
