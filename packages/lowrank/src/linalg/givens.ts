/**
 * Plane rotations on pairs of contiguous vectors, the one kernel the bidiagonal QR iteration
 * spends its time in.
 */

/**
 * Rotates two length-`length` vectors of `data`, starting at `first` and `second`, in place:
 * x ← c·x + s·y, y ← c·y − s·x.
 *
 * @example
 * ```ts
 * const data = new Float64Array([1, 0, 0, 1]);
 * rotateVectors(data, 0, 2, 2, 0, 1); // swaps the vectors, negating the second
 * ```
 */
export function rotateVectors(
  data: Float64Array,
  first: number,
  second: number,
  length: number,
  cosine: number,
  sine: number,
): void {
  for (let index = 0; index < length; index++) {
    const x = data[first + index]!;
    const y = data[second + index]!;
    data[first + index] = cosine * x + sine * y;
    data[second + index] = cosine * y - sine * x;
  }
}
