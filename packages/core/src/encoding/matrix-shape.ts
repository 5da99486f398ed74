/**
 * The matrix view of a tensor used by CSR layouts and low-rank factors: columns are the last
 * axis, rows the product of the others (a conv kernel [kh, kw, in, out] is [kh*kw*in, out]).
 */

/**
 * Rows and columns of the matrix view of `shape`. A scalar is a 1×1 matrix.
 *
 * @example
 * ```ts
 * matrixDimensions([3, 3, 8, 16]); // { rows: 72, columns: 16 }
 * ```
 */
export function matrixDimensions(shape: readonly number[]): { rows: number; columns: number } {
  if (shape.length === 0) return { rows: 1, columns: 1 };
  let rows = 1;
  for (let axis = 0; axis < shape.length - 1; axis++) rows *= shape[axis]!;
  return { rows, columns: shape[shape.length - 1]! };
}
