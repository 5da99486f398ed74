/**
 * The end of gradual pruning: masked weights become sparse storage, so a pruned model is smaller
 * on disk, not a dense tensor of zeros.
 */
import { WhittleError, decodeToFloat32, hostTensor, replaceParams, type Encoding, type Model } from '@whittle/core';
import { applyMask } from '../masks/index.ts';
import { storeSparse, type StorageOptions } from '../storage/index.ts';

/**
 * `model` with each param named in `masks` zeroed where its mask holds 0 (as +0) and stored by
 * `storeSparse` (by default the smallest of dense, bitmask, CSR and relative). Params without a mask keep
 * their encoding; `model` is not changed. Throws an `invalid-argument` WhittleError naming the
 * mask for a param the model lacks or a mask of the wrong length.
 *
 * @example
 * ```ts
 * const { model: trained, masks } = await trainPruned(model, options);
 * const pruned = stripPruning(trained, masks, { layout: 'auto' });
 * ```
 */
export function stripPruning(model: Model, masks: ReadonlyMap<string, Uint8Array>, storage: StorageOptions = {}): Model {
  const updates = new Map<string, Encoding>();
  for (const [name, mask] of masks) {
    const param = model.params.get(name);
    const field = `masks[${JSON.stringify(name)}]`;
    if (param === undefined) throw new WhittleError('invalid-argument', `the model has no param ${JSON.stringify(name)}`, { field });
    const tensor = decodeToFloat32(param.value);
    if (mask.length !== tensor.data.length) {
      throw new WhittleError('invalid-argument', `mask has ${mask.length} entries for the ${tensor.data.length} of ${name}`, { field });
    }
    updates.set(name, storeSparse(hostTensor('float32', tensor.shape, applyMask(tensor.data, mask)), storage));
  }
  return replaceParams(model, updates);
}
