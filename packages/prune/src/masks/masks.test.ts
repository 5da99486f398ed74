import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWhittleError } from '@whittle/core';
import { applyMask, countPruned, magnitudeScores, nmMask, pruneLowest, pruneLowestAcross } from './index.ts';

/** Reference: sort indices by (score, index) and prune the first `count`. */
function referenceLowest(scores: readonly number[], count: number): number[] {
  const order = scores.map((score, index) => ({ score, index })).sort((a, b) => a.score - b.score || a.index - b.index);
  const mask = scores.map(() => 1);
  for (const { index } of order.slice(0, Math.max(0, Math.min(count, scores.length)))) mask[index] = 0;
  return mask;
}

// Few distinct values so ties are common; -0 and +0 compare equal in the reference but -0 ranks first in bits.
const score = fc.oneof(fc.constantFrom(0, 1, 2, -1, 0.5), fc.float({ noNaN: true, noDefaultInfinity: false }));
const toF32 = (values: readonly number[]): number[] => Array.from(Float32Array.from(values, (value) => (Object.is(value, -0) ? 0 : value)));

describe('pruneLowest', () => {
  it('prunes exactly count elements: the lowest scores, lower index first on ties', () => {
    fc.assert(
      fc.property(fc.array(score, { maxLength: 300 }), fc.nat(320), (values, count) => {
        const scores = toF32(values);
        const mask = pruneLowest(Float32Array.from(scores), count);
        expect(Array.from(mask)).toEqual(referenceLowest(scores, count));
        expect(countPruned(mask)).toBe(Math.min(count, scores.length));
      })
    );
  });

  it('ranks several arrays as their concatenation', () => {
    fc.assert(
      fc.property(fc.array(fc.array(score, { maxLength: 60 }), { maxLength: 5 }), fc.nat(200), (arrays, count) => {
        const parts = arrays.map(toF32);
        const masks = pruneLowestAcross(
          parts.map((part) => Float32Array.from(part)),
          count
        );
        expect(masks.flatMap((mask) => Array.from(mask))).toEqual(referenceLowest(parts.flat(), count));
      })
    );
  });

  it('separates scores that differ only in their low bits', () => {
    const scores = new Float32Array([1 + 2 ** -23, 1, 1 + 2 ** -22, 1 + 2 ** -23]);
    expect(Array.from(pruneLowest(scores, 2))).toEqual([0, 0, 1, 1]);
  });

  it('refuses a NaN score with a typed error naming the element', () => {
    let caught: unknown;
    try {
      pruneLowest(new Float32Array([1, Number.NaN, 2]), 1);
    } catch (error) {
      caught = error;
    }
    expect(isWhittleError(caught) && caught.message).toMatch(/NaN at element 1/);
  });

  it('refuses NaN of either sign beside infinities, and ranks the infinities', () => {
    const scores = new Float32Array([Number.POSITIVE_INFINITY, 1, Number.NEGATIVE_INFINITY, 0]);
    expect(Array.from(pruneLowest(scores, 2))).toEqual([1, 1, 0, 0]);
    const words = new Uint32Array(scores.buffer);
    for (const bits of [0xffc00000, 0x7f800001, 0xff800001]) {
      words[3] = bits;
      expect(() => pruneLowest(scores, 2)).toThrow(/NaN at element 3/);
      expect(() => pruneLowestAcross([new Float32Array(2), scores], 5)).toThrow(/NaN at element 1\]\[3/);
    }
  });
});

describe('nmMask', () => {
  it('keeps the n highest of every run of m along the axis, at most n per run', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }).chain((m) => fc.tuple(fc.constant(m), fc.integer({ min: 0, max: m - 1 }))),
        fc.array(fc.integer({ min: 1, max: 6 }), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.nat(2),
        fc.integer(),
        ([mMinusOne, nMinusOne], shape, axisPick, seed) => {
          const m = mMinusOne + 1;
          const n = nMinusOne + 1;
          if (n >= m) return;
          const axis = axisPick % shape.length;
          const size = shape.reduce((a, b) => a * b, 1);
          const scores = Float32Array.from({ length: size }, (_, index) => ((index * 7919 + seed) % 13) - 6);
          const mask = nmMask(scores, shape, { n, m, axis });
          // Reference: walk each run explicitly by coordinates.
          const strides = shape.map((_, dim) => shape.slice(dim + 1).reduce((a, b) => a * b, 1));
          for (let index = 0; index < size; index++) {
            const coordinate = Math.floor(index / strides[axis]!) % shape[axis]!;
            if (coordinate % m !== 0) continue;
            const members: number[] = [];
            for (let offset = 0; offset < m && coordinate + offset < shape[axis]!; offset++) members.push(index + offset * strides[axis]!);
            const kept = members.filter((member) => mask[member] === 1);
            expect(kept.length).toBe(Math.min(n, members.length));
            const sorted = [...members].sort((a, b) => scores[b]! - scores[a]! || a - b);
            expect(kept.sort((a, b) => a - b)).toEqual(sorted.slice(0, n).sort((a, b) => a - b));
          }
        }
      )
    );
  });

  it('2:4 on a row', () => {
    expect(
      Array.from(
        nmMask(new Float32Array([4, 1, 3, 2, 0, 0, 5, 5]), [8], {
          n: 2,
          m: 4,
          axis: -1,
        })
      )
    ).toEqual([1, 0, 1, 0, 0, 0, 1, 1]);
  });

  it('refuses n ≥ m and a bad axis', () => {
    expect(() => nmMask(new Float32Array(4), [4], { n: 4, m: 4, axis: 0 })).toThrow(/n < m/);
    expect(() => nmMask(new Float32Array(4), [4], { n: 2, m: 4, axis: 1 })).toThrow(/axis 1/);
  });
});

describe('applyMask and magnitudeScores', () => {
  it('zeros pruned elements as +0 and leaves the input alone', () => {
    const weights = new Float32Array([1, -2, 3]);
    const pruned = applyMask(weights, new Uint8Array([1, 0, 1]));
    expect(Array.from(pruned)).toEqual([1, 0, 3]);
    expect(Object.is(pruned[1], 0)).toBe(true);
    expect(Array.from(weights)).toEqual([1, -2, 3]);
    expect(Array.from(magnitudeScores(weights))).toEqual([1, 2, 3]);
  });
});
