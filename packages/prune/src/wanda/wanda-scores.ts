/**
 * Wanda's importance score (Sun et al. 2023): a weight matters as much as its magnitude times the
 * size of the input feature it multiplies, |W_ij| · ‖X_j‖₂ over the calibration inputs X.
 */
import { WhittleError, describeValue, type HostTensor } from '@whittle/core';

/**
 * Wanda scores of a 2-D weight: |w| times the norm of the input feature each weight reads, in
 * the weight's own row-major layout. `inputAxis` is the axis that runs over input features: 0
 * for a Dense kernel `[in, out]` (the default), 1 for a Linear weight `[out, in]`. `inputNorms`
 * holds ‖X_j‖₂ for every input feature j (see `inputNorms`).
 *
 * @example
 * ```ts
 * const kernel = hostTensor('float32', [2, 1], new Float32Array([-3, 1]));
 * wandaScores(kernel, new Float64Array([1, 10])); // Float32Array [3, 10]
 * ```
 */
export function wandaScores(weights: HostTensor<'float32'>, inputNorms: ArrayLike<number>, inputAxis: 0 | 1 = 0): Float32Array {
  if (weights.shape.length !== 2) {
    throw new WhittleError('invalid-argument', `Wanda scores a 2-D weight, got shape [${weights.shape.join(', ')}]`, { field: 'weights' });
  }
  if (inputAxis !== 0 && inputAxis !== 1) {
    throw new WhittleError('invalid-argument', `inputAxis must be 0 or 1, got ${describeValue(inputAxis)}`, { field: 'inputAxis' });
  }
  const [rows, columns] = weights.shape as [number, number];
  const inputs = inputAxis === 0 ? rows : columns;
  if (inputNorms.length !== inputs) {
    throw new WhittleError('invalid-argument', `${inputNorms.length} input norms for a weight of ${inputs} inputs`, { field: 'inputNorms' });
  }
  for (let feature = 0; feature < inputs; feature++) {
    const norm = inputNorms[feature]!;
    if (!(norm >= 0) || norm === Infinity) {
      throw new WhittleError('invalid-argument', `input norms must be finite and non-negative, got ${describeValue(norm)}`, { field: `inputNorms[${feature}]` });
    }
  }
  const { data } = weights;
  const scores = new Float32Array(data.length);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      const index = row * columns + column;
      scores[index] = Math.abs(data[index]!) * inputNorms[inputAxis === 0 ? row : column]!;
    }
  }
  return scores;
}
