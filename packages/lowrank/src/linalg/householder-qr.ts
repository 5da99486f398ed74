/**
 * Householder QR of a tall matrix held column by column: the reflectors overwrite the matrix
 * below its diagonal and R is left on and above it.
 */
import { makeReflector } from './householder.ts';
import {
  REFLECTOR_GROUP,
  applyReflectorGroup,
  applyReflectorProduct,
  reflectorWorkspace,
  type ReflectorSet,
} from './reflector-product.ts';
import { dot, subtractScaled } from './vector-kernels.ts';

/**
 * Factorizes the column-major `rows × columns` matrix `work` (rows ≥ columns) in place and returns
 * each reflector's scale (0 where a column was already zero): afterwards R = the upper triangle of
 * `work`, and column k below the diagonal holds reflector k (its unit head on the diagonal is
 * implied, the diagonal itself holds R's entry).
 *
 * @example
 * ```ts
 * const work = new Float64Array([3, 4]); // the 2 × 1 matrix [3; 4]
 * const scales = householderQr(work, 2, 1); // R = [[-5]]
 * ```
 */
export function householderQr(work: Float64Array, rows: number, columns: number): Float64Array {
  const scales = new Float64Array(columns);
  const reflectors: ReflectorSet = { data: work, stride: rows, headShift: 0, scales, count: columns };
  const workspace = reflectorWorkspace(rows);
  // Panels of four columns reduced one reflector at a time, then the rest of the matrix updated by
  // the panel's four reflectors at once.
  for (let panel = 0; panel < columns; panel += REFLECTOR_GROUP) {
    const panelEnd = Math.min(columns, panel + REFLECTOR_GROUP);
    for (let k = panel; k < panelEnd; k++) {
      const column = k * rows;
      const { beta, scale } = makeReflector(work, column + k, rows - k);
      scales[k] = scale;
      if (scale !== 0) {
        for (let j = k + 1; j < panelEnd; j++) {
          const target = j * rows;
          const factor = scale * dot(work, column + k, work, target + k, rows - k);
          subtractScaled(work, target + k, work, column + k, rows - k, factor);
        }
      }
      // The reflector's head is 1 by construction; its slot now holds R's diagonal entry.
      work[column + k] = scale === 0 ? work[column + k]! : beta;
    }
    applyReflectorGroup(reflectors, panel, panelEnd, work, rows, panelEnd, columns, true, workspace);
  }
  return scales;
}

/**
 * The thin Q (column-major `rows × columns`) of a {@link householderQr} result: the reflectors
 * applied, last first, to the first columns of the identity.
 *
 * @example
 * ```ts
 * const q = thinQ(work, 2, 1, scales); // [-0.6, -0.8]
 * ```
 */
export function thinQ(work: Float64Array, rows: number, columns: number, scales: Float64Array): Float64Array {
  const q = new Float64Array(rows * columns);
  for (let j = 0; j < columns; j++) q[j * rows + j] = 1;
  applyReflectorProduct({ data: work, stride: rows, headShift: 0, scales, count: columns }, q, rows, columns, true);
  return q;
}

/**
 * Overwrites the column-major `rows × count` matrix `target` with Q·target, Q being the full
 * orthogonal factor of a {@link householderQr} result: the reflectors applied, last first, to
 * every column. With target = [X; 0] this is the thin Q times X without forming Q.
 *
 * @example
 * ```ts
 * const target = new Float64Array([1, 0]); // [1; 0]
 * applyQ(work, 2, 1, scales, target, 1); // target = thinQ's column: [-0.6, -0.8]
 * ```
 */
export function applyQ(
  work: Float64Array,
  rows: number,
  columns: number,
  scales: Float64Array,
  target: Float64Array,
  count: number,
): void {
  applyReflectorProduct({ data: work, stride: rows, headShift: 0, scales, count: columns }, target, rows, count, false);
}
