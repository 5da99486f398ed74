/**
 * The `storage` field of a pruning step: how the pruned params are stored (`storeSparse`'s
 * options), read from untrusted recipe JSON.
 */
import { WhittleError, readEnum, readInteger, rejectUnknownFields, type StepFields, type StepLocation } from '@whittle/core';
import { CSR_INDEX_BITS } from '../storage/index.ts';

/** The fields of a step's `storage` object. */
export const STORAGE_FIELDS = ['layout', 'indexBits', 'valueBits'] as const;

/**
 * Reads `step.storage` (absent: `{}`, the smallest form) with its layout one of `layouts`
 * (`storeSparse`'s, plus `nm` for an N:M step); fields it lacks stay absent. Throws an
 * `invalid-recipe` error naming the step and the field (`storage.indexBits`, say).
 *
 * @example
 * ```ts
 * readStorage({ storage: { layout: 'csr', indexBits: 4 } }, STORAGE_LAYOUTS, { step: 1 }); // { layout: 'csr', indexBits: 4 }
 * ```
 */
export function readStorage<Layout extends string>(
  step: StepFields,
  layouts: readonly Layout[],
  context: StepLocation,
): { readonly layout?: Layout; readonly indexBits?: number; readonly valueBits?: number } {
  if (step.storage === undefined) return {};
  rejectUnknownFields(step, STORAGE_FIELDS, context, 'storage');
  const storage = step.storage as StepFields;
  const result: { layout?: Layout; indexBits?: number; valueBits?: number } = {};
  if (storage.layout !== undefined) result.layout = readEnum(step, 'storage.layout', layouts, {}, context);
  if (storage.indexBits !== undefined) {
    const indexBits = readInteger(step, 'storage.indexBits', { min: 1, max: 16 }, context);
    if (!(CSR_INDEX_BITS as readonly number[]).includes(indexBits)) {
      throw new WhittleError('invalid-recipe', `storage.indexBits must be one of ${CSR_INDEX_BITS.join(', ')}, got ${indexBits}`, {
        step: context.step,
        field: 'storage.indexBits',
      });
    }
    result.indexBits = indexBits;
  }
  if (storage.valueBits !== undefined) result.valueBits = readInteger(step, 'storage.valueBits', { min: 1, max: 32 }, context);
  return result;
}

/**
 * Whether a step that prunes to `sparsities` with `storage` always stores a pruned tensor in a
 * sparse layout. Core encodes a large dense result of a streamed checkpoint in blocks of rows
 * (the blocks' encodings concatenate), and a block ranks only its own rows, so a step that may
 * store a pruned tensor dense must read the checkpoint whole. A sparse layout asked for is always
 * sparse; `auto` picks dense only below 1 / valueBits of zeros, so twice that (a margin for
 * rounding) is safe, with 16-bit values (the narrowest default, a float16 checkpoint's) unless
 * `valueBits` says.
 *
 * @example
 * ```ts
 * alwaysStoresSparse([0.5], {}); // true
 * alwaysStoresSparse([0.01], {}); // false: dense may be smallest
 * ```
 */
export function alwaysStoresSparse(sparsities: readonly number[], storage: { readonly layout?: string; readonly valueBits?: number }): boolean {
  if (storage.layout === 'dense') return false;
  if (storage.layout !== undefined && storage.layout !== 'auto') return true;
  const valueBits = storage.valueBits ?? 16;
  return sparsities.every((sparsity) => sparsity >= 2 / valueBits);
}
