/**
 * The dense linear algebra GPTQ needs: the upper Cholesky factor of H⁻¹.
 *
 * Written over float64 typed arrays rather than tfjs ops: tfjs has no Cholesky or triangular
 * solve, and its backends compute in float32 (WebGPU has no float64 at all), where a Hessian
 * of correlated activations — condition numbers of 10⁶ and more even after dampening — loses
 * most of its digits. The cost is O(inputs³), small beside the O(outputs · inputs²) updates.
 */
import { WhittleError } from '@whittle/core';

/**
 * The upper-triangular U with H⁻¹ = UᵀU, for a symmetric positive definite `hessian` of
 * `size × size` (row-major): the factor whose rows the GPTQ updates read (the reference
 * implementation's `cholesky(cholesky_inverse(cholesky(H)), upper=True)`).
 *
 * Computed without forming H⁻¹: with J the order-reversing permutation, JHJ = L Lᵀ gives
 * H = V Vᵀ with V = JLJ upper triangular, so H⁻¹ = V⁻ᵀV⁻¹ and U = V⁻¹ (positive diagonal,
 * hence the unique factor). One Cholesky and one triangular inverse: about size³/2 multiply-adds.
 * Throws an `invalid-argument` WhittleError naming `damp` when H is not positive definite.
 *
 * @example
 * ```ts
 * const upper = inverseUpperCholesky(new Float64Array([4, 2, 2, 3]), 2);
 * ```
 */
export function inverseUpperCholesky(hessian: Float64Array, size: number): Float64Array {
  const lower = reversedCholesky(hessian, size);
  // V[i][j] = L[size-1-i][size-1-j]; invert V column by column (back substitution).
  const at = (row: number, column: number): number => lower[(size - 1 - row) * size + (size - 1 - column)]!;
  const upper = new Float64Array(size * size);
  for (let column = 0; column < size; column++) {
    upper[column * size + column] = 1 / at(column, column);
    for (let row = column - 1; row >= 0; row--) {
      let sum = 0;
      for (let k = row + 1; k <= column; k++) sum += at(row, k) * upper[k * size + column]!;
      upper[row * size + column] = -sum / at(row, row);
    }
  }
  return upper;
}

/** The lower Cholesky factor of JHJ (H with rows and columns in reverse order). */
function reversedCholesky(hessian: Float64Array, size: number): Float64Array {
  const lower = new Float64Array(size * size);
  for (let row = 0; row < size; row++) {
    const rowOffset = row * size;
    const source = (size - 1 - row) * size + (size - 1);
    for (let column = 0; column <= row; column++) {
      const columnOffset = column * size;
      let sum = hessian[source - column]!;
      for (let k = 0; k < column; k++) sum -= lower[rowOffset + k]! * lower[columnOffset + k]!;
      if (row === column) {
        if (!(sum > 0) || !Number.isFinite(sum)) {
          throw new WhittleError(
            'invalid-argument',
            'the Hessian is not positive definite; raise damp (or give more calibration samples)',
            { field: 'damp' },
          );
        }
        lower[rowOffset + row] = Math.sqrt(sum);
      } else {
        lower[rowOffset + column] = sum / lower[columnOffset + column]!;
      }
    }
  }
  return lower;
}
