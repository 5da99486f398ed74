import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { applyReflectorGroup, applyReflectorProduct, reflectorWorkspace, type ReflectorSet } from './reflector-product.ts';
import { seededNormals } from './reference-maths.test-support.ts';

/** Random reflectors I − τ·y·yᵀ (τ = 2/yᵀy, or 0 for some) with y zero above its head, one at it. */
function randomReflectors(count: number, length: number, headShift: number, seed: number): ReflectorSet {
  const stride = length;
  const data = seededNormals(count * stride, seed);
  const scales = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const head = k + headShift;
    // Entries at and above the head are garbage the product must ignore.
    let squares = 1;
    for (let i = head + 1; i < length; i++) squares += data[k * stride + i]! ** 2;
    scales[k] = k % 5 === 3 ? 0 : 2 / squares;
  }
  return { data, stride, headShift, scales, count };
}

/** Textbook: x ← H·x with H = I − τ·y·yᵀ, one reflector and one column at a time. */
function reflect(set: ReflectorSet, k: number, target: Float64Array, length: number, column: number): void {
  const head = k + set.headShift;
  const element = (i: number): number => (i < head ? 0 : i === head ? 1 : set.data[k * set.stride + i]!);
  let dot = 0;
  for (let i = 0; i < length; i++) dot += element(i) * target[column * length + i]!;
  for (let i = 0; i < length; i++) target[column * length + i]! -= set.scales[k]! * dot * element(i);
}

const sizes = fc.record({
  length: fc.integer({ min: 1, max: 24 }),
  columns: fc.integer({ min: 1, max: 9 }),
  headShift: fc.integer({ min: 0, max: 1 }),
  seed: fc.integer(),
});

describe('applyReflectorProduct', () => {
  test('equals the reflectors applied one by one, last first, to any matrix and to the identity', () => {
    fc.assert(
      fc.property(sizes, fc.integer({ min: 0, max: 24 }), ({ length, columns, headShift, seed }, wanted) => {
        const count = Math.min(wanted, length - headShift);
        const set = randomReflectors(count, length, headShift, seed);
        const target = seededNormals(length * columns, seed + 1);
        const expected = target.slice();
        for (let k = count - 1; k >= 0; k--) for (let j = 0; j < columns; j++) reflect(set, k, expected, length, j);
        applyReflectorProduct(set, target, length, columns, false);
        target.forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, 12));

        const identity = new Float64Array(length * columns);
        for (let j = 0; j < Math.min(columns, length); j++) identity[j * length + j] = 1;
        const expectedIdentity = identity.slice();
        for (let k = count - 1; k >= 0; k--) for (let j = 0; j < columns; j++) reflect(set, k, expectedIdentity, length, j);
        applyReflectorProduct(set, identity, length, columns, true);
        identity.forEach((value, index) => expect(value).toBeCloseTo(expectedIdentity[index]!, 12));
      }),
      { numRuns: 200 },
    );
  });

  test('a transposed group equals its reflectors applied first to last, only to the columns asked for', () => {
    fc.assert(
      fc.property(sizes, fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 4 }), ({ length, columns, headShift, seed }, start, width) => {
        const count = length - headShift;
        fc.pre(start < count);
        const end = Math.min(count, start + width);
        const set = randomReflectors(count, length, headShift, seed);
        const target = seededNormals(length * columns, seed + 2);
        const expected = target.slice();
        const firstColumn = Math.floor(columns / 3);
        for (let k = start; k < end; k++) for (let j = firstColumn; j < columns; j++) reflect(set, k, expected, length, j);
        applyReflectorGroup(set, start, end, target, length, firstColumn, columns, true, reflectorWorkspace(length));
        target.forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, 12));
      }),
      { numRuns: 200 },
    );
  });
});
