import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortFloat32 } from './sort-floats.ts';

describe('sortFloat32', () => {
  it('sorts as the engine does, large arrays included', () => {
    fc.assert(
      fc.property(fc.float32Array({ noNaN: true, minLength: 4096, maxLength: 6000 }), (values) => {
        const sorted = sortFloat32(values);
        const expected = values.slice().sort();
        expect(sorted.length).toBe(expected.length);
        for (let index = 0; index < sorted.length; index++) {
          if (!Object.is(sorted[index], expected[index])) expect(sorted[index]).toBe(expected[index]);
        }
      }),
      { numRuns: 20 },
    );
  });

  it('orders -0 before +0 and infinities at the ends, leaving its input untouched', () => {
    const values = Float32Array.from({ length: 5000 }, (_, index) => [0, -0, Infinity, -Infinity, 1e-45, -1e-45, 3][index % 7]!);
    const copy = values.slice();
    const sorted = sortFloat32(values);
    expect(sorted[0]).toBe(-Infinity);
    expect(sorted[4999]).toBe(Infinity);
    const firstPositiveZero = sorted.findIndex((value) => Object.is(value, 0));
    expect(sorted.slice(0, firstPositiveZero).some((value) => Object.is(value, 0))).toBe(false);
    expect(Object.is(sorted[firstPositiveZero - 1], -0)).toBe(true);
    expect(values).toEqual(copy);
    expect(Array.from(sortFloat32(Float32Array.from([2, -1, 0])))).toEqual([-1, 0, 2]);
  });
});
