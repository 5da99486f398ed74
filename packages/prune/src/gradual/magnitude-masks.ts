/**
 * The keep-masks of one gradual-pruning update: the lowest magnitudes pruned, per tensor or
 * ranked across all of them, and nothing pruned before ever revived.
 */
import { WhittleError } from '@whittle/core';
import { countPruned, pruneLowestAcross } from '../masks/index.ts';

/** Where magnitudes are ranked: within each tensor, or across every selected tensor at once. */
export const PRUNING_SCOPES = ['layer', 'global'] as const;

/** One of {@link PRUNING_SCOPES}. */
export type PruningScope = (typeof PRUNING_SCOPES)[number];

/**
 * Keep-masks (1 keeps, 0 prunes) that prune `sparsity` of `weights` by magnitude: round(s·n)
 * elements of each tensor (`layer`), or round(s·N) of all N elements ranked together (`global`),
 * ties towards the lower index. What `previous` prunes stays pruned, so a mask only ever grows
 * sparser, even when `sparsity` asks for fewer. Neither input is changed.
 *
 * @example
 * ```ts
 * magnitudeMasks([new Float32Array([3, -1, 2, 0.5])], [new Uint8Array([1, 1, 1, 1])], 0.5, 'layer'); // [Uint8Array [1, 0, 1, 0]]
 * ```
 */
export function magnitudeMasks(weights: readonly Float32Array[], previous: readonly Uint8Array[], sparsity: number, scope: PruningScope): Uint8Array[] {
  if (previous.length !== weights.length) {
    throw new WhittleError('invalid-argument', `${previous.length} masks for ${weights.length} weight tensors`, { field: 'masks' });
  }
  const scores = weights.map((tensor, index) => {
    const mask = previous[index]!;
    if (mask.length !== tensor.length) {
      throw new WhittleError('invalid-argument', `mask has ${mask.length} entries for ${tensor.length} weights`, { field: `masks[${index}]` });
    }
    const score = new Float32Array(tensor.length);
    // Below every magnitude: pruned elements stay the first to go.
    for (let element = 0; element < tensor.length; element++) score[element] = mask[element] === 0 ? -1 : Math.abs(tensor[element]!);
    return score;
  });
  const pruned = previous.map(countPruned);
  if (scope === 'global') {
    const total = weights.reduce((sum, tensor) => sum + tensor.length, 0);
    const already = pruned.reduce((sum, count) => sum + count, 0);
    return pruneLowestAcross(scores, Math.max(Math.round(sparsity * total), already));
  }
  return scores.map((score, index) => pruneLowestAcross([score], Math.max(Math.round(sparsity * score.length), pruned[index]!))[0]!);
}

