import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostTensor } from '../tensor/host-tensor.ts';
import { bitsPerWeight } from './bits-per-weight.ts';
import { compareTensors, cosineSimilarity, maxAbsError, meanSquaredError, sqnr } from './tensor-metrics.ts';

const f32 = (...values: number[]) => Float32Array.from(values);
const finite = fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
const pairs = fc
  .integer({ min: 0, max: 64 })
  .chain((length) =>
    fc.tuple(fc.float32Array({ minLength: length, maxLength: length, noNaN: true, min: -1e6, max: 1e6 }), fc.float32Array({ minLength: length, maxLength: length, noNaN: true, min: -1e6, max: 1e6 })),
  );

describe('tensor metrics: exact values', () => {
  it('on small hand-made examples', () => {
    expect(meanSquaredError(f32(1, 2), f32(1, 4))).toBe(2);
    expect(sqnr(f32(3, 4), f32(3, 4.5))).toBeCloseTo(20, 12);
    expect(sqnr(f32(1, 1, 1, 1), f32(1, 1, 1, 0))).toBeCloseTo(10 * Math.log10(4), 12);
    expect(cosineSimilarity(f32(1, 0), f32(0, 2))).toBe(0);
    expect(cosineSimilarity(f32(1, 2), f32(-2, -4))).toBe(-1);
    expect(cosineSimilarity(f32(1, 1), f32(1, 0))).toBeCloseTo(Math.SQRT1_2, 12);
    expect(maxAbsError(f32(1, 2), f32(1.5, 0))).toBe(2);
    expect(compareTensors(f32(2, 0), f32(1, 0))).toEqual({
      meanSquaredError: 0.5,
      sqnr: 10 * Math.log10(4),
      cosineSimilarity: 1,
      maxAbsError: 1,
    });
  });

  it('define the edge cases', () => {
    expect(compareTensors(f32(), f32())).toEqual({ meanSquaredError: 0, sqnr: Infinity, cosineSimilarity: 1, maxAbsError: 0 });
    expect(compareTensors(f32(0, 0), f32(0, 0))).toEqual({ meanSquaredError: 0, sqnr: Infinity, cosineSimilarity: 1, maxAbsError: 0 });
    expect(sqnr(f32(0, 0), f32(0, 1))).toBe(-Infinity);
    expect(cosineSimilarity(f32(0, 0), f32(0, 1))).toBe(0);
    expect(cosineSimilarity(f32(1, 0), f32(0, 0))).toBe(0);
    expect(Number.isNaN(maxAbsError(f32(1, Number.NaN), f32(1, 2)))).toBe(true);
  });

  it('read HostTensors of any dtype', () => {
    const reference = hostTensor('float32', [2, 2], f32(1, 2, 3, 4));
    const candidate = hostTensor('int8', [2, 2], new Int8Array([1, 2, 3, 5]));
    expect(meanSquaredError(reference, candidate)).toBe(0.25);
    expect(maxAbsError(f32(1, 2, 3, 4), candidate)).toBe(1);
  });

  it('reject mismatched lengths and shapes with a typed error', () => {
    expect(() => sqnr(f32(1, 2), f32(1))).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'candidate' }));
    expect(() => sqnr(hostTensor('float32', [2, 3]), hostTensor('float32', [3, 2]))).toThrow(/shape \[3, 2\].*\[2, 3\]/);
    expect(() => sqnr([1, 2] as never, f32(1, 2))).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'reference' }));
  });
});

describe('tensor metrics: properties', () => {
  it('mse ≥ 0, max error ≥ 0, cosine within [−1, 1], mse ≤ max error²', () => {
    fc.assert(
      fc.property(pairs, ([reference, candidate]) => {
        const { meanSquaredError: mse, cosineSimilarity: cosine, maxAbsError: maxError } = compareTensors(reference, candidate);
        expect(mse).toBeGreaterThanOrEqual(0);
        expect(maxError).toBeGreaterThanOrEqual(0);
        expect(cosine).toBeGreaterThanOrEqual(-1);
        expect(cosine).toBeLessThanOrEqual(1);
        expect(mse).toBeLessThanOrEqual(maxError * maxError * (1 + 1e-12));
      }),
    );
  });

  it('identical inputs: sqnr Infinity, cosine 1, errors 0', () => {
    fc.assert(
      fc.property(fc.float32Array({ noNaN: true, noDefaultInfinity: true }), (values) => {
        expect(compareTensors(values, values.slice())).toEqual({ meanSquaredError: 0, sqnr: Infinity, cosineSimilarity: 1, maxAbsError: 0 });
      }),
    );
  });

  it('sqnr falls as noise grows', () => {
    const signal = fc.float32Array({ minLength: 1, maxLength: 32, noNaN: true, min: -100, max: 100 }).filter((values) => values.some((value) => Math.abs(value) > 1e-3));
    fc.assert(
      fc.property(signal, fc.array(finite, { minLength: 32, maxLength: 32 }), fc.double({ min: 1e-3, max: 10, noNaN: true }), (reference, directions, scale) => {
        const noise = reference.map((_, index) => (directions[index]! === 0 ? 1 : directions[index]!) / 1e6);
        const noisy = (factor: number) => reference.map((value, index) => value + factor * scale * noise[index]!);
        const smaller = sqnr(reference, noisy(1));
        const larger = sqnr(reference, noisy(4));
        expect(larger).toBeLessThanOrEqual(smaller);
      }),
    );
  });

  it('sqnr scales exactly like 20·log10 of the noise amplitude (float64 inputs through Float32 exact values)', () => {
    const reference = f32(1, -2, 3, -4);
    const at = (amplitude: number) => sqnr(reference, reference.map((value, index) => value + (index % 2 === 0 ? amplitude : -amplitude)));
    expect(at(0.25) - at(0.5)).toBeCloseTo(20 * Math.log10(2), 10);
  });
});

describe('bitsPerWeight', () => {
  it('is 8 · bytes / params', () => {
    expect(bitsPerWeight(1024, 2048)).toBe(4);
    expect(bitsPerWeight(4 * 10, 10)).toBe(32);
    expect(bitsPerWeight(0, 0)).toBe(0);
  });

  it('rejects negative or non-finite sizes', () => {
    expect(() => bitsPerWeight(-1, 2)).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'bytes' }));
    expect(() => bitsPerWeight(1, Number.NaN)).toThrow(expect.objectContaining({ field: 'params' }));
  });
});
