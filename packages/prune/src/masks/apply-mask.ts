/**
 * Keep-masks applied to weights.
 */
import { WhittleError } from '@whittle/core';

/**
 * A copy of `weights` with every element whose mask byte is 0 set to +0 (so sparse storage,
 * which keeps -0 as a value, drops it). `weights` is not changed.
 *
 * @example
 * ```ts
 * applyMask(new Float32Array([1, -2, 3]), new Uint8Array([1, 0, 1])); // Float32Array [1, 0, 3]
 * ```
 */
export function applyMask(weights: Float32Array, mask: Uint8Array): Float32Array {
  if (mask.length !== weights.length) {
    throw new WhittleError('invalid-argument', `mask has ${mask.length} entries for ${weights.length} weights`, { field: 'mask' });
  }
  const result = new Float32Array(weights.length);
  for (let index = 0; index < weights.length; index++) if (mask[index] !== 0) result[index] = weights[index]!;
  return result;
}

/**
 * How many elements `mask` prunes (its zero bytes).
 *
 * @example
 * ```ts
 * countPruned(new Uint8Array([1, 0, 0])); // 2
 * ```
 */
export function countPruned(mask: Uint8Array): number {
  let pruned = 0;
  for (let index = 0; index < mask.length; index++) if (mask[index] === 0) pruned++;
  return pruned;
}
