/**
 * Plane rotations of the columns of a row-major matrix, the kernels the bidiagonal QR iteration
 * spends its time in.
 */

/**
 * Rotates columns `first` and `second` of the row-major `rows × stride` matrix in place:
 * x ← c·x + s·y, y ← c·y − s·x.
 *
 * @example
 * ```ts
 * const identity = new Float64Array([1, 0, 0, 1]);
 * rotateColumnPair(identity, 2, 2, 0, 1, 0, 1); // columns swapped, the second negated
 * ```
 */
export function rotateColumnPair(
  matrix: Float64Array,
  rows: number,
  stride: number,
  first: number,
  second: number,
  cosine: number,
  sine: number,
): void {
  for (let row = 0; row < rows; row++) {
    const base = row * stride;
    const x = matrix[base + first]!;
    const y = matrix[base + second]!;
    matrix[base + first] = cosine * x + sine * y;
    matrix[base + second] = cosine * y - sine * x;
  }
}

/**
 * Applies the rotations of columns (k, k+1) for k = low … high−1, in that order (cosine and sine
 * of rotation k at index k − low), to the row-major `rows × stride` matrix. Row by row, column k+1
 * is carried in a register from one rotation to the next: each row is read and written once per
 * sweep, where rotating whole column pairs would stream the matrix once per rotation.
 *
 * @example
 * ```ts
 * rotateColumnSequence(u, rows, columns, 0, 3, cosines, sines); // three rotations of a sweep
 * ```
 */
export function rotateColumnSequence(
  matrix: Float64Array,
  rows: number,
  stride: number,
  low: number,
  high: number,
  cosines: Float64Array,
  sines: Float64Array,
): void {
  const steps = high - low;
  for (let row = 0; row < rows; row++) {
    const base = row * stride + low;
    let carried = matrix[base]!;
    for (let step = 0; step < steps; step++) {
      const cosine = cosines[step]!;
      const sine = sines[step]!;
      const next = matrix[base + step + 1]!;
      matrix[base + step] = cosine * carried + sine * next;
      carried = cosine * next - sine * carried;
    }
    matrix[base + steps] = carried;
  }
}
