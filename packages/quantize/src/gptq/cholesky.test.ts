import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inverseUpperCholesky } from './cholesky.ts';

/** A random symmetric positive definite matrix B·Bᵀ + εI of `size`. */
const spdMatrix = fc.integer({ min: 1, max: 12 }).chain((size) =>
  fc
    .array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: size * size, maxLength: size * size })
    .map((entries) => {
      const matrix = new Float64Array(size * size);
      for (let i = 0; i < size; i++) {
        for (let j = 0; j < size; j++) {
          let sum = i === j ? 0.1 : 0;
          for (let k = 0; k < size; k++) sum += entries[i * size + k]! * entries[j * size + k]!;
          matrix[i * size + j] = sum;
        }
      }
      return { size, matrix };
    }),
);

describe('inverseUpperCholesky', () => {
  it('gives the upper factor U of H⁻¹ = UᵀU, with a positive diagonal', () => {
    fc.assert(
      fc.property(spdMatrix, ({ size, matrix }) => {
        const upper = inverseUpperCholesky(matrix, size);
        for (let i = 0; i < size; i++) {
          expect(upper[i * size + i]).toBeGreaterThan(0);
          for (let j = 0; j < i; j++) expect(upper[i * size + j]).toBe(0);
        }
        // UᵀU·H = I
        for (let i = 0; i < size; i++) {
          for (let j = 0; j < size; j++) {
            let sum = 0;
            for (let k = 0; k < size; k++) {
              let inverse = 0;
              for (let m = 0; m < size; m++) inverse += upper[m * size + i]! * upper[m * size + k]!;
              sum += inverse * matrix[k * size + j]!;
            }
            expect(Math.abs(sum - (i === j ? 1 : 0))).toBeLessThan(1e-6);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('matches the factor of a known 2×2 inverse', () => {
    // H = [[4, 2], [2, 3]], H⁻¹ = [[3, -2], [-2, 4]] / 8 = UᵀU with U = [[a, b], [0, c]].
    const upper = inverseUpperCholesky(new Float64Array([4, 2, 2, 3]), 2);
    const a = Math.sqrt(3 / 8);
    expect(upper[0]).toBeCloseTo(a, 12);
    expect(upper[1]).toBeCloseTo(-2 / 8 / a, 12);
    expect(upper[2]).toBe(0);
    expect(upper[3]).toBeCloseTo(Math.sqrt(4 / 8 - (2 / 8 / a) ** 2), 12);
  });

  it('names damp when H is not positive definite', () => {
    expect(() => inverseUpperCholesky(new Float64Array([1, 2, 2, 1]), 2)).toThrow(
      expect.objectContaining({ code: 'invalid-argument', field: 'damp' }),
    );
    expect(() => inverseUpperCholesky(new Float64Array([NaN]), 1)).toThrow(expect.objectContaining({ field: 'damp' }));
  });
});
