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
 * consecutive rotations share one pass over three rows, so the middle row is loaded and stored
 * once for both.
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
