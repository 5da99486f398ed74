import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantizeValue } from './quantize-value.ts';
import { roundHalfToEven } from './round-half-even.ts';

/** The obvious round-half-to-even, for comparison. */
function reference(value: number): number {
  const floor = Math.floor(value);
  const difference = value - floor;
  if (difference < 0.5) return floor;
  if (difference > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

describe('roundHalfToEven', () => {
  it('rounds ties to even and everything else to nearest', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001].map(roundHalfToEven)).toEqual([0, 2, 2, -0, -2, -2, 2, 3]);
    expect(Object.is(roundHalfToEven(-0.3), -0)).toBe(true);
    expect(roundHalfToEven(2 ** 60 + 2 ** 9)).toBe(2 ** 60 + 2 ** 9);
    expect(roundHalfToEven(Infinity)).toBe(Infinity);
    expect(Number.isNaN(roundHalfToEven(Number.NaN))).toBe(true);
  });

  it('agrees with the obvious definition', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer().map((value) => value / 2)), (value) => {
        expect(roundHalfToEven(value) + 0).toBe(reference(value) + 0);
      }),
    );
  });
});

describe('quantizeValue', () => {
  it('rounds half to even, then clamps', () => {
    expect(quantizeValue(0.26, 0.1, 0, -128, 127)).toBe(3);
    expect(quantizeValue(0.25, 0.5, 0, -128, 127)).toBe(0);
    expect(quantizeValue(0.75, 0.5, 10, 0, 255)).toBe(12);
    expect(quantizeValue(99, 0.1, 0, -128, 127)).toBe(127);
    expect(quantizeValue(-Infinity, 0.1, 3, 0, 15)).toBe(0);
    expect(Object.is(quantizeValue(-0.01, 1, 0, -8, 7), 0)).toBe(true);
  });

  it('rejects NaN values and unusable scales', () => {
    expect(() => quantizeValue(Number.NaN, 1, 0, 0, 255)).toThrow(expect.objectContaining({ field: 'value' }));
    for (const scale of [0, -1, Number.NaN, Infinity]) {
      expect(() => quantizeValue(1, scale, 0, 0, 255)).toThrow(expect.objectContaining({ field: 'scale' }));
    }
  });
});
