import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseQParams } from './choose-qparams.ts';
import { quantizeValue } from './quantize-value.ts';
import { float16AtOrAbove, float32AtOrAbove } from './reference-floats.ts';

const bitsArbitrary = fc.constantFrom(2, 3, 4, 5, 6, 7, 8, 16);
const boundArbitrary = fc.double({ min: -1e6, max: 1e6, noNaN: true });

describe('chooseQParams', () => {
  it('covers the range with zero exact, every in-range value within half a step', () => {
    fc.assert(
      fc.property(
        boundArbitrary,
        boundArbitrary,
        bitsArbitrary,
        fc.boolean(),
        fc.boolean(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (first, second, bits, symmetric, narrowRange, fraction) => {
          const [minimum, maximum] = first <= second ? [first, second] : [second, first];
          const { scale, zeroPoint, signed, qmin, qmax } = chooseQParams(minimum, maximum, { bits, symmetric, narrowRange });
          expect(scale > 0 && Number.isFinite(scale)).toBe(true);
          expect(signed).toBe(symmetric);
          if (symmetric) expect(zeroPoint).toBe(0);
          expect(Number.isInteger(zeroPoint) && zeroPoint >= qmin && zeroPoint <= qmax).toBe(true);
          expect((quantizeValue(0, scale, zeroPoint, qmin, qmax) - zeroPoint) * scale).toBe(0);
          const low = Math.min(minimum, 0);
          const high = Math.max(maximum, 0);
          for (const value of [low, high, minimum, maximum, low + (high - low) * fraction]) {
            const code = quantizeValue(value, scale, zeroPoint, qmin, qmax);
            expect(Math.abs((code - zeroPoint) * scale - value)).toBeLessThanOrEqual(scale * 0.5 * (1 + 1e-9));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('picks the documented scales', () => {
    expect(chooseQParams(-1, 0.5, { bits: 8, symmetric: true })).toEqual({ scale: 1 / 127.5, zeroPoint: 0, signed: true, qmin: -128, qmax: 127 });
    expect(chooseQParams(-1, 0.5, { bits: 8, symmetric: true, narrowRange: true }).scale).toBe(1 / 127);
    expect(chooseQParams(0.2, 1, { bits: 8, symmetric: false })).toEqual({ scale: 1 / 255, zeroPoint: 0, signed: false, qmin: 0, qmax: 255 });
    // [-1, 1] in 255 steps: zero falls on 127.5 and rounds to even.
    expect(chooseQParams(-1, 1, { bits: 8, symmetric: false }).zeroPoint).toBe(128);
    expect(chooseQParams(-3, -1, { bits: 4, symmetric: false })).toEqual({ scale: 0.2, zeroPoint: 15, signed: false, qmin: 0, qmax: 15 });
  });

  it('never gives a zero, NaN or infinite scale on degenerate ranges', () => {
    for (const [minimum, maximum] of [[0, 0], [-0, 0], [5, 5], [-5e-324, 5e-324], [1e-45, 1e-45]]) {
      for (const symmetric of [true, false]) {
        for (const scaleDType of ['float64', 'float32', 'float16'] as const) {
          const { scale } = chooseQParams(minimum!, maximum!, { bits: 8, symmetric, scaleDType });
          expect(scale > 0 && Number.isFinite(scale)).toBe(true);
        }
      }
    }
    expect(chooseQParams(0, 0, { bits: 4, symmetric: false }).scale).toBe(1);
  });

  it('rounds the scale up to the stored dtype: hand-computed values', () => {
    // 0.2 / 255 = 7.8431e-4 lies in [2^-11, 2^-10), where float16 steps by 2^-21:
    // 7.8431e-4 · 2^21 = 1644.83, so the float16 just above is 1645 · 2^-21.
    expect(chooseQParams(-0.1, 0.1, { bits: 8, symmetric: true, scaleDType: 'float16' }).scale).toBe(1645 * 2 ** -21);
    // float32 keeps 24 bits there: 0.2 / 255 · 2^34 = 13474407.2…, so 13474408 · 2^-34.
    expect(chooseQParams(-0.1, 0.1, { bits: 8, symmetric: true, scaleDType: 'float32' }).scale).toBe(13474408 * 2 ** -34);
    // [-1, 0.5] in 8 bits: 2 / 255 in [2^-7, 2^-6): float16 steps by 2^-17; 2 / 255 · 2^17 = 1028.01…
    expect(chooseQParams(-1, 0.5, { bits: 8, symmetric: true, scaleDType: 'float16' }).scale).toBe(1029 * 2 ** -17);
    // A scale float16 holds exactly stays: [-1, 1] at 2 bits, narrow range (codes -1..1), is 1.
    expect(chooseQParams(-1, 1, { bits: 2, symmetric: true, narrowRange: true, scaleDType: 'float16' }).scale).toBe(1);
  });

  it('rounds the scale up to the next float16 and float32, against every positive float16 and the float32 bit patterns', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-5, max: 7000, noNaN: true }), fc.constantFrom(2, 4, 8), (magnitude, bits) => {
        const raw = (2 * magnitude) / (2 ** bits - 1);
        const options = { bits, symmetric: true } as const;
        expect(chooseQParams(-magnitude, magnitude, { ...options, scaleDType: 'float16' }).scale).toBe(float16AtOrAbove(raw));
        expect(chooseQParams(-magnitude, magnitude, { ...options, scaleDType: 'float32' }).scale).toBe(float32AtOrAbove(raw));
        expect(chooseQParams(-magnitude, magnitude, { ...options, scaleDType: 'float64' }).scale).toBe(raw);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects non-finite or reversed bounds and one-bit symmetric codes', () => {
    for (const [minimum, maximum] of [[Number.NaN, 1], [0, Infinity], [2, 1]]) {
      expect(() => chooseQParams(minimum!, maximum!, { bits: 8, symmetric: true })).toThrow(
        expect.objectContaining({ code: 'invalid-argument' }),
      );
    }
    expect(() => chooseQParams(-1, 1, { bits: 1, symmetric: true })).toThrow(expect.objectContaining({ field: 'bits' }));
    expect(chooseQParams(-1, 1, { bits: 1, symmetric: false })).toMatchObject({ qmin: 0, qmax: 1 });
    expect(() => chooseQParams(-Number.MAX_VALUE, Number.MAX_VALUE, { bits: 8, symmetric: false })).toThrow(/too wide/);
  });
});
