/**
 * Keep-masks that compare scores within each output unit: Wanda ranks the weights feeding one
 * output against each other, never across outputs, so every output keeps the same share of its
 * inputs.
 */
import { WhittleError, describeValue } from '@whittle/core';
import { nmMask, pruneLowest } from '../masks/index.ts';

/**
 * A keep-mask over a 2-D weight of `shape` (row-major `scores`) that prunes exactly
 * `round(sparsity · inputs)` of the inputs of every output unit: the lowest-scoring ones, ties
 * towards the lower input index. `inputAxis` is 0 for a Dense kernel `[in, out]` (an output unit
 * is a column), 1 for a Linear weight `[out, in]` (a row).
 *
 * @example
 * ```ts
 * perOutputMask(new Float32Array([1, 9, 5, 2]), [2, 2], { sparsity: 0.5, inputAxis: 0 }); // Uint8Array [0, 1, 1, 0]
 * ```
 */
export function perOutputMask(scores: Float32Array, shape: readonly number[], options: { readonly sparsity: number; readonly inputAxis: 0 | 1 }): Uint8Array {
  const { rows, columns } = checkShape(scores, shape);
  const { sparsity, inputAxis } = options;
  if (!(sparsity >= 0 && sparsity <= 1)) {
    throw new WhittleError('invalid-argument', `sparsity must be in 0–1, got ${describeValue(sparsity)}`, { field: 'sparsity' });
  }
  const inputs = inputAxis === 0 ? rows : columns;
  const outputs = inputAxis === 0 ? columns : rows;
  // Along the input axis, consecutive inputs of one output sit `stride` apart.
  const stride = inputAxis === 0 ? columns : 1;
  const step = inputAxis === 0 ? 1 : columns;
  const count = Math.round(sparsity * inputs);
  const mask = new Uint8Array(scores.length);
  const unit = new Float32Array(inputs);
  for (let output = 0; output < outputs; output++) {
    const first = output * step;
    for (let input = 0; input < inputs; input++) unit[input] = scores[first + input * stride]!;
    const kept = pruneLowest(unit, count);
    for (let input = 0; input < inputs; input++) mask[first + input * stride] = kept[input]!;
  }
  return mask;
}

/**
 * An N:M keep-mask over a 2-D weight: in every run of `m` consecutive inputs of one output unit,
 * the `n` highest scores (see `nmMask`).
 *
 * @example
 * ```ts
 * perOutputNmMask(new Float32Array([4, 1, 3, 2]), [4, 1], { n: 2, m: 4, inputAxis: 0 }); // Uint8Array [1, 0, 1, 0]
 * ```
 */
export function perOutputNmMask(
  scores: Float32Array,
  shape: readonly number[],
  options: { readonly n: number; readonly m: number; readonly inputAxis: 0 | 1 },
): Uint8Array {
  checkShape(scores, shape);
  return nmMask(scores, shape, { n: options.n, m: options.m, axis: options.inputAxis });
}

function checkShape(scores: Float32Array, shape: readonly number[]): { rows: number; columns: number } {
  if (shape.length !== 2 || !shape.every((size) => Number.isSafeInteger(size) && size >= 0)) {
    throw new WhittleError('invalid-argument', `a per-output mask needs a 2-D shape, got ${describeValue(shape)}`, { field: 'shape' });
  }
  const [rows, columns] = shape as [number, number];
  if (rows * columns !== scores.length) {
    throw new WhittleError('invalid-argument', `${scores.length} scores do not fill shape [${shape.join(', ')}]`, { field: 'scores' });
  }
  return { rows, columns };
}
