/**
 * An orthonormal basis of a tall matrix's column space by Householder QR (the thin Q), the
 * re-orthonormalisation step between the randomized SVD's power iterations.
 */
import { WhittleError } from '@whittle/core';
import { householderQr, thinQ } from './householder-qr.ts';
import { validateMatrix, type MatrixValues } from './matrix-input.ts';

/**
 * The thin Q (`rows × columns`, row-major) of the row-major `rows × columns` matrix `values`
 * (float32 or float64, finite, rows ≥ columns; else an `invalid-argument` WhittleError), by Householder reflections: orthonormal to rounding even when the columns are
 * nearly dependent, where Gram–Schmidt would lose orthogonality. A zero column yields a unit
 * vector orthogonal to the others.
 *
 * @example
 * ```ts
 * orthonormalBasis(new Float32Array([3, 4]), 2, 1); // ≈ [-0.6, -0.8] (sign is the reflector's)
 * ```
 */
export function orthonormalBasis(values: MatrixValues, rows: number, columns: number): Float64Array {
  validateMatrix('orthonormalBasis', values, { rows, columns });
  if (rows < columns) {
    throw new WhittleError('invalid-argument', `orthonormalBasis needs rows ≥ columns (got ${rows} × ${columns})`, {
      field: 'shape.columns',
    });
  }
  // Column-major work copy: each reflection runs down contiguous columns.
  const work = new Float64Array(rows * columns);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) work[j * rows + i] = values[i * columns + j]!;
  }
  const q = thinQ(work, rows, columns, householderQr(work, rows, columns));
  const result = new Float64Array(rows * columns);
  for (let j = 0; j < columns; j++) {
    for (let i = 0; i < rows; i++) result[i * columns + j] = q[j * rows + i]!;
  }
  return result;
}
