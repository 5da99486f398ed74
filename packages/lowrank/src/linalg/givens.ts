/**
 * Plane rotations of the rows of a row-major matrix, the kernels the bidiagonal QR iteration
 * spends its time in. The iteration rotates columns of U and V; it keeps Uᵀ and Vᵀ instead, so
 * that a rotation reads and writes two contiguous rows with no dependence from one element to
 * the next.
 */

/**
 * Rotates rows `first` and `second` of the row-major matrix with rows of `length` values, in
 * place: x ← c·x + s·y, y ← c·y − s·x.
 *
 * @example
 * ```ts
 * const identity = new Float64Array([1, 0, 0, 1]);
 * rotateRowPair(identity, 2, 0, 1, 0, 1); // rows swapped, the second negated
 * ```
 */
export function rotateRowPair(
  matrix: Float64Array,
  length: number,
  first: number,
  second: number,
  cosine: number,
  sine: number,
): void {
  const x = first * length;
  const offset = second * length - x;
  const end = x + length;
  for (let index = x; index < end; index++) {
    const top = matrix[index]!;
    const bottom = matrix[index + offset]!;
    matrix[index] = cosine * top + sine * bottom;
    matrix[index + offset] = cosine * bottom - sine * top;
  }
}

/**
 * Applies the rotations of rows (k, k+1) for k = low … high−1, in that order (cosine and sine of
 * rotation k at index k − low), to the row-major matrix with rows of `length` values. Two
 * to four consecutive rotations share one pass over their rows, so the rows between are loaded
 * and stored once for all of them.
 *
 * @example
 * ```ts
 * rotateRowSequence(uTransposed, rows, 0, 3, cosines, sines); // three rotations of a sweep
 * ```
 */
export function rotateRowSequence(
  matrix: Float64Array,
  length: number,
  low: number,
  high: number,
  cosines: Float64Array,
  sines: Float64Array,
): void {
  let step = 0;
  const steps = high - low;
  for (; step + 3 < steps; step += 4) {
    const c0 = cosines[step]!;
    const s0 = sines[step]!;
    const c1 = cosines[step + 1]!;
    const s1 = sines[step + 1]!;
    const c2 = cosines[step + 2]!;
    const s2 = sines[step + 2]!;
    const c3 = cosines[step + 3]!;
    const s3 = sines[step + 3]!;
    const top = (low + step) * length;
    const end = top + length;
    for (let index = top; index < end; index++) {
      const r0 = matrix[index]!;
      const r1 = matrix[index + length]!;
      const m1 = c0 * r1 - s0 * r0;
      matrix[index] = c0 * r0 + s0 * r1;
      const r2 = matrix[index + 2 * length]!;
      const m2 = c1 * r2 - s1 * m1;
      matrix[index + length] = c1 * m1 + s1 * r2;
      const r3 = matrix[index + 3 * length]!;
      const m3 = c2 * r3 - s2 * m2;
      matrix[index + 2 * length] = c2 * m2 + s2 * r3;
      const r4 = matrix[index + 4 * length]!;
      matrix[index + 3 * length] = c3 * m3 + s3 * r4;
      matrix[index + 4 * length] = c3 * r4 - s3 * m3;
    }
  }
  for (; step + 1 < steps; step += 2) {
    const firstCosine = cosines[step]!;
    const firstSine = sines[step]!;
    const secondCosine = cosines[step + 1]!;
    const secondSine = sines[step + 1]!;
    const top = (low + step) * length;
    const end = top + length;
    const middleOffset = length;
    const bottomOffset = 2 * length;
    for (let index = top; index < end; index++) {
      const x = matrix[index]!;
      const y = matrix[index + middleOffset]!;
      const z = matrix[index + bottomOffset]!;
      const middle = firstCosine * y - firstSine * x;
      matrix[index] = firstCosine * x + firstSine * y;
      matrix[index + middleOffset] = secondCosine * middle + secondSine * z;
      matrix[index + bottomOffset] = secondCosine * z - secondSine * middle;
    }
  }
  if (step < steps) rotateRowPair(matrix, length, low + step, low + step + 1, cosines[step]!, sines[step]!);
}
