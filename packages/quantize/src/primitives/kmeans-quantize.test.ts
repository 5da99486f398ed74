import { byteLength, decode, encodingParts, hostTensor } from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dequantizeAffine } from './dequantize-affine.ts';
import { kmeansQuantize } from './kmeans-quantize.ts';
import { quantizeAffine } from './quantize-affine.ts';
import { seededRandom } from './seeded-random.ts';

/** Laplacian samples (heavy-tailed, like trained weights), from a seed. */
function laplacian(length: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length }, () => {
    const uniform = random() - 0.5;
    return -Math.sign(uniform) * Math.log(1 - 2 * Math.abs(uniform)) * 0.05;
  });
}

const meanSquaredError = (reference: Float32Array, candidate: Float32Array) =>
  reference.reduce((total, value, index) => total + (value - candidate[index]!) ** 2, 0) / reference.length;

describe('kmeansQuantize', () => {
  it('maps every value to its nearest centroid, with ascending float32 centroids', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1e4, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 6 }),
        fc.nat(),
        (values, bits, seed) => {
          const data = Float32Array.from(values);
          const encoding = kmeansQuantize(hostTensor('float32', [data.length], data), { bits, seed });
          const centroids = encoding.centroids.data as Float32Array;
          expect(encoding.bits).toBe(bits);
          expect(centroids).toHaveLength(2 ** bits);
          for (let index = 1; index < centroids.length; index++) expect(centroids[index]!).toBeGreaterThanOrEqual(centroids[index - 1]!);
          const decoded = decode(encoding).data as Float32Array;
          data.forEach((value, index) => {
            const distance = Math.abs(decoded[index]! - value);
            for (const centroid of centroids) expect(distance).toBeLessThanOrEqual(Math.abs(centroid - value));
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is deterministic for a seed, and keeps its input untouched', () => {
    const data = laplacian(5000, 3);
    const copy = data.slice();
    const tensor = hostTensor('float32', [50, 100], data);
    expect(kmeansQuantize(tensor, { bits: 3, seed: 9 })).toStrictEqual(kmeansQuantize(tensor, { bits: 3, seed: 9 }));
    expect(data).toEqual(copy);
  });

  it('beats linear quantization at the same bits on Laplacian weights', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom(2, 3, 4, 5), (seed, bits) => {
        const data = laplacian(4096, seed);
        const tensor = hostTensor('float32', [64, 64], data);
        const shared = decode(kmeansQuantize(tensor, { bits })).data as Float32Array;
        const linear = dequantizeAffine(quantizeAffine(tensor, { bits, symmetric: false, granularity: { kind: 'tensor' } })).data;
        expect(meanSquaredError(data, shared)).toBeLessThanOrEqual(meanSquaredError(data, linear));
      }),
      { numRuns: 20 },
    );
  });

  it('uses no more iterations than asked: zero iterations keeps the starting centroids', () => {
    const data = Float32Array.from([0, 1, 2, 3, 10]);
    const encoding = kmeansQuantize(hostTensor('float32', [5], data), { bits: 1, iterations: 0, init: 'linear' });
    expect(Array.from(encoding.centroids.data)).toEqual([0, 10]);
    const converged = kmeansQuantize(hostTensor('float32', [5], data), { bits: 1, init: 'linear' });
    expect(Array.from(converged.centroids.data)).toEqual([1.5, 10]);
    // The optimal start is already the best split, {0, 1, 2, 3} and {10}.
    expect(Array.from(kmeansQuantize(hostTensor('float32', [5], data), { bits: 1, iterations: 0 }).centroids.data)).toEqual([1.5, 10]);
  });

  it('by default starts from the least-squared-error clustering, where an even start stalls', () => {
    // Three tight groups of unequal sizes and a sparse tail: from an even grid over [min, max]
    // Lloyd leaves centroids stranded in the gaps; the optimal start does not.
    let state = 99;
    const random = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const data = new Float32Array(4000);
    for (let index = 0; index < data.length; index++) {
      const pick = random();
      data[index] = pick < 0.6 ? random() * 0.02 : pick < 0.9 ? 0.5 + random() * 0.1 : pick < 0.99 ? -1 + random() * 0.04 : 3 + random() * 5;
    }
    const squaredError = (init: 'optimal' | 'linear'): number => {
      const restored = decode(kmeansQuantize(hostTensor('float32', [data.length], data), { bits: 4, init, iterations: 500 })).data as Float32Array;
      return data.reduce((sum, value, index) => sum + (value - restored[index]!) ** 2, 0);
    };
    expect(squaredError('optimal')).toBeLessThan(0.95 * squaredError('linear'));
  });

  it('rejects an unknown init', () => {
    expect(() => kmeansQuantize(hostTensor('float32', [2], new Float32Array(2)), { bits: 1, init: 'random' as never })).toThrow(/init must be one of optimal, linear/);
  });

  it('handles constant, empty, tiny and outlier-heavy tensors', () => {
    const constant = kmeansQuantize(hostTensor('float32', [4], new Float32Array(4).fill(2)), { bits: 2 });
    expect(Array.from(decode(constant).data)).toEqual([2, 2, 2, 2]);
    expect(decode(kmeansQuantize(hostTensor('float32', [0, 4]), { bits: 4 })).data).toHaveLength(0);
    const single = kmeansQuantize(hostTensor('float32', [], new Float32Array([-3])), { bits: 8 });
    expect(Array.from(decode(single).data)).toEqual([-3]);
    // One huge outlier leaves most of a linear grid empty; reseeding puts those centroids to work.
    const data = Float32Array.from([...laplacian(999, 1), 50]);
    const encoding = kmeansQuantize(hostTensor('float32', [1000], data), { bits: 3 });
    const distinct = new Set(decode(encoding).data as Float32Array);
    expect(distinct.size).toBe(8);
    expect(byteLength(encoding)).toBe(encodingParts(encoding).buffers.reduce((total, buffer) => total + buffer.bytes.byteLength, 0));
    expect(byteLength(encoding)).toBe(8 * 4 + 375);
  });

  it('rejects NaN, infinities and bad options', () => {
    expect(() => kmeansQuantize(hostTensor('float32', [2], new Float32Array([0, Number.NaN])), { bits: 2 })).toThrow(
      expect.objectContaining({ code: 'invalid-tensor', field: 'data[1]' }),
    );
    expect(() => kmeansQuantize(hostTensor('float32', [1], new Float32Array([Infinity])), { bits: 2 })).toThrow(
      expect.objectContaining({ field: 'data[0]' }),
    );
    const tensor = hostTensor('float32', [2]);
    expect(() => kmeansQuantize(tensor, { bits: 9 })).toThrow(expect.objectContaining({ field: 'bits' }));
    expect(() => kmeansQuantize(tensor, { bits: 2, iterations: -1 })).toThrow(expect.objectContaining({ field: 'iterations' }));
    expect(() => kmeansQuantize(tensor, { bits: 2, seed: 0.5 })).toThrow(expect.objectContaining({ field: 'seed' }));
    expect(() => kmeansQuantize(hostTensor('int8', [2]), { bits: 2 })).toThrow(expect.objectContaining({ code: 'invalid-tensor' }));
  });
});
