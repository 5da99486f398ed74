import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { outputAgreement } from './verify-metrics.ts';

describe('outputAgreement', () => {
  test('hand-worked values', () => {
    // Rows [1, 0] | [3, 1] against [1, 0] | [1, 3]: dot 7, both norms² 11; the second row's maximum moved.
    const agreement = outputAgreement('y', [1, 0, 3, 1], [1, 0, 1, 3], 2);
    expect(agreement).toMatchObject({ name: 'y', maxAbsError: 2, top1Agreement: 0.5 });
    expect(agreement.cosine).toBeCloseTo(7 / 11, 12);
    expect(outputAgreement('y', [0, 0], [0, 0], 1)).toEqual({ name: 'y', cosine: 1, maxAbsError: 0, top1Agreement: null });
    expect(outputAgreement('y', [1, 2], [1, Number.NaN], 2).maxAbsError).toBe(Number.POSITIVE_INFINITY);
  });

  test('an output against itself agrees fully; cosine is invariant under positive scaling', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 4, maxLength: 64 }), fc.float({ min: Math.fround(0.5), max: 4, noNaN: true }), (values, factor) => {
        const self = outputAgreement('y', values, values, 4);
        expect(self.maxAbsError).toBe(0);
        if (values.length >= 4) expect(self.top1Agreement).toBe(1);
        if (values.some((value) => value !== 0)) {
          expect(self.cosine).toBeCloseTo(1, 6);
          expect(outputAgreement('y', values, values.map((value) => value * factor), 4).cosine).toBeCloseTo(1, 5);
        }
      }),
    );
  });
});
