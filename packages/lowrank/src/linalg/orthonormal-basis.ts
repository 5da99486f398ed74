/**
 * An orthonormal basis of a tall matrix's column space by Householder QR (the thin Q), the
 * re-orthonormalisation step between the randomized SVD's power iterations.
 */
import { makeReflector } from './householder.ts';
import { dot, subtractScaled } from './vector-kernels.ts';

/**
 * The thin Q (`rows × columns`, row-major) of the row-major `rows × columns` matrix `values`
 * (rows ≥ columns), by Householder reflections: orthonormal to rounding even when the columns are
 * nearly dependent, where Gram–Schmidt would lose orthogonality. A zero column yields a unit
 * vector orthogonal to the others.
 *
 * @example
 * ```ts
 * orthonormalBasis(new Float32Array([3, 4]), 2, 1); // ≈ [-0.6, -0.8] (sign is the reflector's)
 * ```
 */
export function orthonormalBasis(values: ArrayLike<number>, rows: number, columns: number): Float64Array {
  // Column-major work copy: each reflection runs down contiguous columns.
  const work = new Float64Array(rows * columns);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) work[j * rows + i] = values[i * columns + j]!;
  }
  const scales = new Float64Array(columns);
  for (let k = 0; k < columns; k++) {
    const column = k * rows;
    const { scale } = makeReflector(work, column + k, rows - k);
    if (scale === 0) continue;
    scales[k] = scale;
    for (let j = k + 1; j < columns; j++) {
      const target = j * rows;
      const factor = scale * dot(work, column + k, work, target + k, rows - k);
      subtractScaled(work, target + k, work, column + k, rows - k, factor);
    }
  }
  // Q = H₀·H₁·…·H_{n−1} applied to the first columns of the identity, last reflector first.
  const q = new Float64Array(rows * columns);
  for (let j = 0; j < columns; j++) q[j * rows + j] = 1;
  for (let k = columns - 1; k >= 0; k--) {
    const scale = scales[k]!;
    if (scale === 0) continue;
    const column = k * rows;
    for (let j = k; j < columns; j++) {
      const target = j * rows;
      const factor = scale * dot(work, column + k, q, target + k, rows - k);
      subtractScaled(q, target + k, work, column + k, rows - k, factor);
    }
  }
  const result = new Float64Array(rows * columns);
  for (let j = 0; j < columns; j++) {
    for (let i = 0; i < rows; i++) result[i * columns + j] = q[j * rows + i]!;
  }
  return result;
}
