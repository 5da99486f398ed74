/**
 * Householder bidiagonalisation (Golub & Kahan 1965) of a tall matrix held column by column, so
 * both the left reflections (down a column) and the right ones (along a row, applied as column
 * updates) run over contiguous memory.
 */
import { makeReflector } from './householder.ts';
import { dot, subtractScaled } from './vector-kernels.ts';

/** A = U·B·Vᵀ with B upper bidiagonal; U is `rows × columns`, V is `columns × columns`. */
export interface Bidiagonalization {
  /** B's diagonal, `columns` values. */
  readonly diagonal: Float64Array;
  /** B's superdiagonal, `columns − 1` values (one spare slot at the end, always 0). */
  readonly superdiagonal: Float64Array;
  /** U, row-major `rows × columns`. */
  readonly u: Float64Array;
  /** V, row-major `columns × columns`. */
  readonly v: Float64Array;
}

/**
 * Bidiagonalises the column-major `rows × columns` matrix `a` (rows ≥ columns), overwriting it
 * with the left reflectors, and returns B with the orthonormal factors formed explicitly.
 *
 * @example
 * ```ts
 * // the 2×2 matrix [[3, 0], [4, 5]], column by column
 * const { diagonal, superdiagonal } = bidiagonalize(new Float64Array([3, 4, 0, 5]), 2, 2);
 * ```
 */
export function bidiagonalize(a: Float64Array, rows: number, columns: number): Bidiagonalization {
  const diagonal = new Float64Array(columns);
  const superdiagonal = new Float64Array(columns);
  const leftScale = new Float64Array(columns);
  const rightScale = new Float64Array(columns);
  // Right reflector k lives in row k of `right`, in columns k+1 … columns−1.
  const right = new Float64Array(columns * columns);
  const rowSums = new Float64Array(rows);

  for (let k = 0; k < columns; k++) {
    const column = k * rows;
    const { beta, scale } = makeReflector(a, column + k, rows - k);
    leftScale[k] = scale;
    diagonal[k] = beta;
    if (scale !== 0) {
      for (let j = k + 1; j < columns; j++) {
        const target = j * rows;
        const factor = scale * dot(a, column + k, a, target + k, rows - k);
        subtractScaled(a, target + k, a, column + k, rows - k, factor);
      }
    }
    if (k >= columns - 1) continue;

    const reflector = k * columns;
    for (let j = k + 1; j < columns; j++) right[reflector + j] = a[j * rows + k]!;
    const { beta: rowBeta, scale: rowScale } = makeReflector(right, reflector + k + 1, columns - k - 1);
    rightScale[k] = rowScale;
    superdiagonal[k] = rowBeta;
    if (rowScale === 0) continue;
    // Rows k+1 … rows−1 times the reflector: w = A·v as a sum of columns, then A −= scale·w·vᵀ.
    rowSums.fill(0, k + 1);
    for (let j = k + 1; j < columns; j++) {
      const weight = right[reflector + j]!;
      const source = j * rows;
      for (let i = k + 1; i < rows; i++) rowSums[i]! += weight * a[source + i]!;
    }
    for (let j = k + 1; j < columns; j++) {
      const weight = rowScale * right[reflector + j]!;
      const target = j * rows;
      for (let i = k + 1; i < rows; i++) a[target + i]! -= weight * rowSums[i]!;
    }
  }

  const u = new Float64Array(rows * columns);
  for (let j = 0; j < columns; j++) u[j * rows + j] = 1;
  // Back-accumulation: reflector k touches only columns ≥ k of U, still the identity's below k.
  for (let k = columns - 1; k >= 0; k--) {
    const scale = leftScale[k]!;
    if (scale === 0) continue;
    const column = k * rows;
    for (let j = k; j < columns; j++) {
      const target = j * rows;
      const factor = scale * dot(a, column + k, u, target + k, rows - k);
      subtractScaled(u, target + k, a, column + k, rows - k, factor);
    }
  }
  const v = new Float64Array(columns * columns);
  for (let j = 0; j < columns; j++) v[j * columns + j] = 1;
  for (let k = columns - 2; k >= 0; k--) {
    const scale = rightScale[k]!;
    if (scale === 0) continue;
    const reflector = k * columns;
    for (let j = k + 1; j < columns; j++) {
      const target = j * columns;
      const factor = scale * dot(right, reflector + k + 1, v, target + k + 1, columns - k - 1);
      subtractScaled(v, target + k + 1, right, reflector + k + 1, columns - k - 1, factor);
    }
  }
  return { diagonal, superdiagonal, u: transpose(u, columns, rows), v: transpose(v, columns, columns) };
}

/** The row-major transpose of the row-major `rows × columns` matrix. */
function transpose(matrix: Float64Array, rows: number, columns: number): Float64Array {
  const result = new Float64Array(matrix.length);
  for (let i = 0; i < rows; i++) {
    const source = i * columns;
    for (let j = 0; j < columns; j++) result[j * rows + i] = matrix[source + j]!;
  }
  return result;
}
