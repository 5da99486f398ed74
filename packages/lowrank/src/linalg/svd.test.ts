import { WhittleError } from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  frobeniusSquared,
  matrixWithSpectrum,
  orthonormalityError,
  seededNormals,
  truncationError,
} from './reference-maths.test-support.ts';
import { svd } from './svd.ts';

const dimension = fc.integer({ min: 1, max: 14 });

/** Every invariant of a thin SVD of `matrix`, checked against plain reference maths. */
function expectValidDecomposition(matrix: ArrayLike<number>, rows: number, columns: number): void {
  const result = svd(matrix as Float64Array, { rows, columns });
  const count = Math.min(rows, columns);
  expect(result.count).toBe(count);
  expect(result.u.length).toBe(rows * count);
  expect(result.v.length).toBe(columns * count);
  let largest = 0;
  for (let index = 0; index < matrix.length; index++) largest = Math.max(largest, Math.abs(matrix[index]!));
  const scale = Math.max(Math.sqrt(frobeniusSquared(matrix)), largest);
  for (let index = 0; index < count; index++) {
    expect(result.singularValues[index]).toBeGreaterThanOrEqual(0);
    if (index > 0) expect(result.singularValues[index]).toBeLessThanOrEqual(result.singularValues[index - 1]!);
  }
  expect(orthonormalityError(result.u, rows, count)).toBeLessThan(1e-10);
  expect(orthonormalityError(result.v, columns, count)).toBeLessThan(1e-10);
  // Eckart–Young: the rank-r truncation's error is exactly the discarded spectrum (r = count: A = UΣVᵀ).
  for (let rank = 0; rank <= count; rank++) {
    let discarded = 0;
    for (let index = rank; index < count; index++) discarded += result.singularValues[index]! ** 2;
    expect(
      Math.abs(truncationError(matrix, rows, columns, result, rank) - Math.sqrt(discarded)),
    ).toBeLessThanOrEqual(1e-10 * scale);
  }
}

describe('svd', () => {
  test('decomposes random tall, wide and square matrices (A = UΣVᵀ, orthonormal, Eckart–Young)', () => {
    fc.assert(
      fc.property(dimension, dimension, fc.integer(), (rows, columns, seed) => {
        expectValidDecomposition(seededNormals(rows * columns, seed), rows, columns);
      }),
      { numRuns: 150 },
    );
  });

  test('decomposes float32 matrices of any magnitude, zeros and repeated rows', () => {
    const values = fc.oneof(
      fc.constant(0),
      fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e30), max: Math.fround(1e30) }),
      fc.float({ noNaN: true, min: Math.fround(-1e-30), max: Math.fround(1e-30) }),
    );
    fc.assert(
      fc.property(
        dimension,
        dimension,
        fc.array(values, { minLength: 196, maxLength: 196 }),
        fc.boolean(),
        (rows, columns, pool, repeatRows) => {
          const matrix = new Float32Array(rows * columns);
          for (let i = 0; i < rows; i++) {
            for (let j = 0; j < columns; j++) matrix[i * columns + j] = pool[(repeatRows ? 0 : i) * columns + j]!;
          }
          expectValidDecomposition(matrix, rows, columns);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('keeps U orthonormal when rounding noise reaches the denormal range (repeated rows, 1e29 next to 1e-45)', () => {
    const row = [4.2e-45, 0, 0, 0, 0, 1.31e27, 0, 0, 1.4e29, 0, -2.94e-44, 0, 7.26e-18];
    const matrix = new Float32Array(14 * 13);
    for (let i = 0; i < 14; i++) matrix.set(row, i * 13);
    expectValidDecomposition(matrix, 14, 13);
  });

  test('recovers a known spectrum (Q₁·diag(σ)·Q₂ᵀ) to 1e-10 of σ_max', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 20, maxLength: 20 }),
        fc.integer(),
        (rows, columns, pool, seed) => {
          const sigma = pool.slice(0, Math.min(rows, columns)).sort((a, b) => b - a);
          const result = svd(matrixWithSpectrum(rows, columns, sigma, seed), { rows, columns });
          const largest = Math.max(sigma[0]!, 1e-300);
          sigma.forEach((value, index) => {
            expect(Math.abs(result.singularValues[index]! - value)).toBeLessThanOrEqual(1e-10 * largest + 1e-300);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  test('is accurate for ill-conditioned matrices: σ from 1e-6 to 1, in float64 and float32', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 48 }), fc.integer({ min: 8, max: 48 }), fc.integer(), (rows, columns, seed) => {
        const count = Math.min(rows, columns);
        const sigma = Array.from({ length: count }, (_, index) => 10 ** ((-6 * index) / (count - 1)));
        const matrix = matrixWithSpectrum(rows, columns, sigma, seed);
        for (const values of [matrix, Float32Array.from(matrix)]) {
          const result = svd(values, { rows, columns });
          sigma.forEach((value, index) => {
            expect(Math.abs(result.singularValues[index]! - value)).toBeLessThan(1e-4);
          });
          expect(orthonormalityError(result.u, rows, count)).toBeLessThan(1e-10);
          expect(orthonormalityError(result.v, columns, count)).toBeLessThan(1e-10);
        }
        // In float64 the smallest values are accurate to far better than the 1e-4 asked for.
        const exact = svd(matrix, { rows, columns });
        sigma.forEach((value, index) => expect(Math.abs(exact.singularValues[index]! - value)).toBeLessThan(1e-12));
      }),
      { numRuns: 25 },
    );
  });

  test('decomposes a 300 × 120 matrix with repeated and zero singular values', () => {
    const sigma = Array.from({ length: 120 }, (_, index) => (index < 40 ? 2 : index < 100 ? 1 / (index - 39) : 0));
    const matrix = matrixWithSpectrum(300, 120, sigma, 11);
    const result = svd(matrix, { rows: 300, columns: 120 });
    sigma.forEach((value, index) => expect(Math.abs(result.singularValues[index]! - value)).toBeLessThan(1e-12));
    expect(orthonormalityError(result.u, 300, 120)).toBeLessThan(1e-10);
    expect(orthonormalityError(result.v, 120, 120)).toBeLessThan(1e-10);
    expect(truncationError(matrix, 300, 120, result, 120)).toBeLessThan(1e-11);
  });

  test('decomposes a matrix with a block 1e-200 times smaller than the rest to ε·‖A‖, factors orthonormal', () => {
    // Block-diagonal [[B₁, 0], [0, 1e-200·B₂]]: the bidiagonalisation's late rows are far below
    // 2⁻⁴⁰⁰, where products of two of their entries underflow; the small block's σ are only
    // accurate to ε·‖A‖, as for any backward-stable SVD.
    const big = [5, 4, 3, 2, 1];
    const small = [5e-200, 4e-200, 3e-200, 2e-200, 1e-200];
    const first = matrixWithSpectrum(6, 5, big, 3);
    const second = matrixWithSpectrum(6, 5, small, 4);
    const matrix = new Float64Array(12 * 10);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 5; j++) {
        matrix[i * 10 + j] = first[i * 5 + j]!;
        matrix[(i + 6) * 10 + j + 5] = second[i * 5 + j]!;
      }
    }
    const result = svd(matrix, { rows: 12, columns: 10 });
    big.forEach((value, index) => expect(Math.abs(result.singularValues[index]! - value)).toBeLessThan(1e-13));
    for (let index = 5; index < 10; index++) expect(result.singularValues[index]).toBeLessThan(1e-15);
    expect(orthonormalityError(result.u, 12, 10)).toBeLessThan(1e-12);
    expect(orthonormalityError(result.v, 10, 10)).toBeLessThan(1e-12);
    expect(truncationError(matrix, 12, 10, result, 10)).toBeLessThan(1e-13);
  });

  test('leaves its input unchanged and returns fresh arrays', () => {
    const matrix = Float32Array.from(seededNormals(35, 3));
    const copy = matrix.slice();
    const first = svd(matrix, { rows: 5, columns: 7 });
    expect(matrix).toEqual(copy);
    const second = svd(matrix, { rows: 5, columns: 7 });
    expect(second.u).not.toBe(first.u);
    expect(second.singularValues).toEqual(first.singularValues);
  });

  test('rejects hostile input with one-line typed errors', () => {
    const cases: [unknown, unknown, string][] = [
      [new Float32Array([1, Number.NaN, 3, 4]), { rows: 2, columns: 2 }, 'values[1]'],
      [new Float64Array([1, 2, Number.POSITIVE_INFINITY, 4]), { rows: 2, columns: 2 }, 'values[2]'],
      [new Float64Array([Number.NEGATIVE_INFINITY]), { rows: 1, columns: 1 }, 'values[0]'],
      [new Float32Array(5), { rows: 2, columns: 3 }, 'values'],
      [new Float32Array(0), { rows: 0, columns: 0 }, 'shape.rows'],
      [new Float32Array(2), { rows: 2, columns: 0 }, 'shape.columns'],
      [new Float32Array(2), { rows: 1.5, columns: 2 }, 'shape.rows'],
      [new Float32Array(4), { rows: '2', columns: 2 }, 'shape.rows'],
      [new Float32Array(4), { rows: 2 ** 60, columns: 2 }, 'shape.rows'],
      [[1, 2, 3, 4], { rows: 2, columns: 2 }, 'values'],
      [new Int32Array(4), { rows: 2, columns: 2 }, 'values'],
      [new Float32Array(4), null, 'shape'],
    ];
    for (const [values, shape, field] of cases) {
      let caught: unknown;
      try {
        svd(values as Float32Array, shape as { rows: number; columns: number });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(WhittleError);
      expect((caught as WhittleError).code).toBe('invalid-argument');
      expect((caught as WhittleError).field).toBe(field);
      expect((caught as WhittleError).message).not.toContain('\n');
    }
  });
});
