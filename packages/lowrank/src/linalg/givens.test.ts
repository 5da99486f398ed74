import fc from 'fast-check';
import { expect, test } from 'vitest';
import { rotateRowPair, rotateRowSequence } from './givens.ts';
import { seededNormals } from './reference-maths.test-support.ts';

/** Textbook: rows (k, k+1) rotated, x ← c·x + s·y, y ← c·y − s·x, one rotation at a time. */
function rotate(matrix: Float64Array, length: number, first: number, second: number, cosine: number, sine: number): void {
  for (let i = 0; i < length; i++) {
    const x = matrix[first * length + i]!;
    const y = matrix[second * length + i]!;
    matrix[first * length + i] = cosine * x + sine * y;
    matrix[second * length + i] = cosine * y - sine * x;
  }
}

test('rotateRowSequence equals its rotations applied one at a time, for every sweep length', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 14 }), fc.integer({ min: 1, max: 9 }), fc.integer(), fc.nat(), fc.nat(), (rows, length, seed, a, b) => {
      const low = a % rows;
      const high = low + (b % (rows - low));
      const matrix = seededNormals(rows * length, seed);
      const angles = seededNormals(rows, seed + 1);
      const cosines = angles.map(Math.cos);
      const sines = angles.map(Math.sin);
      const expected = matrix.slice();
      for (let k = low; k < high; k++) rotate(expected, length, k, k + 1, cosines[k - low]!, sines[k - low]!);
      rotateRowSequence(matrix, length, low, high, cosines, sines);
      matrix.forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, 13));
    }),
    { numRuns: 300 },
  );
});

test('rotateRowPair rotates two rows in place, in either order', () => {
  const matrix = new Float64Array([1, 2, 3, 4, 5, 6]);
  rotateRowPair(matrix, 2, 2, 0, 0, 1);
  // Row 2 becomes row 0, row 0 becomes −row 2.
  expect(Array.from(matrix)).toEqual([-5, -6, 3, 4, 1, 2]);
});
