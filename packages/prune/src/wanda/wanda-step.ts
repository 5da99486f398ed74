/**
 * The `prune.wanda` recipe step: plain JSON data, and its validation.
 */
import {
  FILTER_FIELDS,
  WhittleError,
  copyFilter,
  readEnum,
  readFilter,
  readInteger,
  readNumber,
  rejectUnknownFields,
  type ParamFilter,
  type RecipeStep,
  type StepLocation,
} from '@whittle/core';
import { CSR_INDEX_BITS, STORAGE_LAYOUTS, type StorageLayout, type StorageOptions } from '../storage/index.ts';

/** The recipe kind of Wanda steps. */
export const WANDA_KIND = 'prune.wanda';

/** What a `prune.wanda` step sets: how much to prune, and how the pruned weights are stored. */
export interface WandaSettings {
  /**
   * The fraction of each output unit's inputs pruned, 0–1 (exactly `round(sparsity · inputs)`
   * per unit). With `n` and `m` it may be left out; given, it must be `1 − n/m`.
   */
  readonly sparsity?: number;
  /** N:M: keep `n` of every `m` consecutive inputs of each output unit (both or neither). */
  readonly n?: number;
  readonly m?: number;
  /** How pruned weights are stored (see `storeSparse`); default the smallest form. */
  readonly storage?: StorageOptions;
}

/** A `prune.wanda` step. */
export interface WandaStep extends RecipeStep, ParamFilter, WandaSettings {
  readonly kind: typeof WANDA_KIND;
}

/** A validated {@link WandaStep}: `sparsity` always set (from `n`/`m` for N:M). */
export interface WandaConfig extends WandaStep {
  readonly sparsity: number;
  readonly storage: StorageOptions;
}

/** Largest `m` of an N:M pattern a step may ask for. */
export const WANDA_MAX_M = 16;

/**
 * A `prune.wanda` step: plain, JSON-serialisable data (absent settings stay absent).
 *
 * @example
 * ```ts
 * const step = wanda({ sparsity: 0.5, exclude: ['head/**'] });
 * const semiStructured = wanda({ n: 2, m: 4 });
 * ```
 */
export function wanda(settings: WandaSettings & ParamFilter): WandaStep {
  const { sparsity, n, m, storage } = settings;
  return {
    kind: WANDA_KIND,
    ...(sparsity === undefined ? {} : { sparsity }),
    ...(n === undefined ? {} : { n }),
    ...(m === undefined ? {} : { m }),
    ...(storage === undefined ? {} : { storage: { ...storage } }),
    ...copyFilter(settings),
  };
}

/**
 * Checks an untrusted `prune.wanda` step; throws an `invalid-recipe` WhittleError naming the step
 * and field.
 *
 * @example
 * ```ts
 * validateWandaStep({ kind: 'prune.wanda', n: 2, m: 4 }, { step: 1 }).sparsity; // 0.5
 * ```
 */
export function validateWandaStep(step: RecipeStep, context: StepLocation): WandaConfig {
  rejectUnknownFields(step, ['sparsity', 'n', 'm', 'storage', ...FILTER_FIELDS], context);
  rejectUnknownFields(step, ['layout', 'indexBits', 'valueBits'], context, 'storage');
  const hasN = step.n !== undefined;
  const hasM = step.m !== undefined;
  if (hasN !== hasM) {
    throw new WhittleError('invalid-recipe', 'N:M needs both n and m', { field: hasN ? 'm' : 'n', step: context.step });
  }
  let pattern: { n: number; m: number } | undefined;
  let sparsity: number;
  if (hasN) {
    const m = readInteger(step, 'm', { min: 2, max: WANDA_MAX_M }, context);
    const n = readInteger(step, 'n', { min: 1, max: m - 1 }, context);
    pattern = { n, m };
    sparsity = 1 - n / m;
    if (step.sparsity !== undefined && Math.abs(readNumber(step, 'sparsity', { min: 0, max: 1 }, context) - sparsity) > 1e-9) {
      throw new WhittleError('invalid-recipe', `sparsity ${String(step.sparsity)} contradicts ${n}:${m} (which prunes ${sparsity}); leave it out`, {
        field: 'sparsity',
        step: context.step,
      });
    }
  } else {
    sparsity = readNumber(step, 'sparsity', { min: 0, max: 1 }, context);
  }
  const storage: { layout?: StorageOptions['layout']; indexBits?: number; valueBits?: number } = {
    layout: readEnum<StorageLayout>(step, 'storage.layout', STORAGE_LAYOUTS, { default: 'auto' }, context),
  };
  if (step.storage !== undefined && (step.storage as Record<string, unknown>).indexBits !== undefined) {
    const indexBits = readInteger(step, 'storage.indexBits', { min: 1, max: 16 }, context);
    if (!(CSR_INDEX_BITS as readonly number[]).includes(indexBits)) {
      throw new WhittleError('invalid-recipe', `storage.indexBits must be one of ${CSR_INDEX_BITS.join(', ')}, got ${indexBits}`, {
        field: 'storage.indexBits',
        step: context.step,
      });
    }
    storage.indexBits = indexBits;
  }
  if (step.storage !== undefined && (step.storage as Record<string, unknown>).valueBits !== undefined) {
    storage.valueBits = readInteger(step, 'storage.valueBits', { min: 1, max: 32 }, context);
  }
  return { kind: WANDA_KIND, sparsity, ...pattern, storage, ...readFilter(step, context) };
}
