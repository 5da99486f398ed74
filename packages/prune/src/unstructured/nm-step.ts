/**
 * `prune.nm`: N:M semi-structured pruning (2:4 by default) along each weight's input axis,
 * stored in core's N:M layout.
 */
import {
  WEIGHT_ROLES,
  WhittleError,
  FILTER_FIELDS,
  MAX_NM_M,
  MAX_RANK,
  byteLength,
  estimateParams,
  mapParams,
  readFilter,
  readInteger,
  rejectUnknownFields,
  roleAxes,
  copyFilter,
  type Encoding,
  type Param,
  type ParamFilter,
  type RecipeHandler,
  type RecipeStep,
  type StepContext,
  type StepLocation,
} from '@whittle/core';
import { magnitudeScores, nmMask } from '../masks/index.ts';
import { STORAGE_LAYOUTS, type StorageLayout, type StorageOptions } from '../storage/index.ts';
import { maskedTensor, prunableTensor, storeInLayout, storePruned } from './prunable-tensor.ts';
import { alwaysStoresSparse, readStorage } from './step-storage.ts';

/** Largest `m` a step may ask for: groups of up to 16, as sparse hardware and kernels use. */
export const MAX_STEP_M = 16;

/** How an N:M step stores its params: core's N:M layout (default), or any of `storeSparse`'s. */
export const NM_STORAGE_LAYOUTS = ['nm', ...STORAGE_LAYOUTS] as const;

/** One of {@link NM_STORAGE_LAYOUTS}. */
export type NmStorageLayout = (typeof NM_STORAGE_LAYOUTS)[number];

/** How an N:M step stores its params: `storeSparse`'s options, with `nm` as a layout too. */
export interface NmStorageOptions extends Omit<StorageOptions, 'layout'> {
  /** `nm` (default): core's N:M layout where the axis is a multiple of `m`, else `auto`. */
  readonly layout?: NmStorageLayout;
}

/** A `prune.nm` step. */
export interface NmStep extends RecipeStep, ParamFilter {
  readonly kind: 'prune.nm';
  /** Nonzeros kept per group, 1 ≤ n < m (default 2). */
  readonly n?: number;
  /** Group length along the axis, n < m ≤ 16 (default 4). */
  readonly m?: number;
  /**
   * The axis groups run along, negative counting from the end; default each param's input axis
   * as its role says (`roleAxes`: 0 of a Dense kernel `[in, out]`, 2 of a Conv2D kernel
   * `[h, w, in, out]`, 1 of a Linear weight `[out, in]`). Params whose role has no input axis
   * (depthwise kernels, embeddings) are left alone and noted unless `axis` is given.
   */
  readonly axis?: number;
  readonly storage?: NmStorageOptions;
}

/** Options of {@link nm}. */
export interface NmStepOptions extends ParamFilter {
  readonly n?: number;
  readonly m?: number;
  readonly axis?: number;
  readonly storage?: NmStorageOptions;
}

/**
 * A `prune.nm` step: plain JSON data. In every group of `m` consecutive elements along each
 * selected weight's input axis, keeps the `n` of largest |w| and zeros the rest (a last, shorter
 * group keeps at most `n` too), then stores the weight in core's N:M layout.
 *
 * @example
 * ```ts
 * const { model: twoFour } = await compress(model, [nm({ n: 2, m: 4 })]);
 * ```
 */
export function nm(options: NmStepOptions = {}): NmStep {
  const { n, m, axis, storage } = options;
  return {
    kind: 'prune.nm',
    ...(n === undefined ? {} : { n }),
    ...(m === undefined ? {} : { m }),
    ...(axis === undefined ? {} : { axis }),
    ...(storage === undefined ? {} : { storage: { ...storage } }),
    ...copyFilter(options),
  };
}

/** The handler for `prune.nm` steps; it works param by param, so checkpoints stream. */
export const nmHandler: RecipeHandler<NmStep> = {
  kind: 'prune.nm',
  description: 'N:M semi-structured pruning (2:4 by default) along the input axis, stored in the N:M layout',
  example: { kind: 'prune.nm', n: 2, m: 4 },
  effect: 're-encodes-params',
  defaultRoles: WEIGHT_ROLES,
  perParam: true,
  streamsConfig: (config) => {
    const layout = config.storage?.layout ?? 'nm';
    // A param whose axis is not a multiple of m falls back to `auto`, which may store dense.
    return alwaysStoresSparse([1 - config.n! / config.m!], { ...config.storage, layout: layout === 'nm' ? 'auto' : layout });
  },
  validate(step, context) {
    rejectUnknownFields(step, ['n', 'm', 'axis', 'storage', ...FILTER_FIELDS], context);
    const m = readInteger(step, 'm', { min: 2, max: Math.min(MAX_STEP_M, MAX_NM_M), default: 4 }, context);
    const n = readInteger(step, 'n', { min: 1, max: m - 1, default: Math.min(2, m - 1) }, context);
    const axis = step.axis === undefined ? undefined : readInteger(step, 'axis', { min: -MAX_RANK, max: MAX_RANK - 1 }, context);
    const storage = readStorage(step, NM_STORAGE_LAYOUTS, context);
    return {
      kind: 'prune.nm',
      n,
      m,
      ...(axis === undefined ? {} : { axis }),
      ...(step.storage === undefined ? {} : { storage }),
      ...readFilter(step, context),
    };
  },
  encodeParam: (param, config, context) => pruneNm(param, config, context),
  estimate: (model, config, context) =>
    // Exact, so it reads the data: the N:M layout's size follows from shapes, but the `auto`
    // fallback stores what pruning leaves, which depends on the values.
    estimateParams(model, config, WEIGHT_ROLES, context, (param) => {
      const encoded = pruneNm(param, config, context);
      return encoded === undefined ? undefined : byteLength(encoded);
    }),
  apply: (model, config, context) => mapParams(model, config, WEIGHT_ROLES, context, (param) => pruneNm(param, config, context)),
};

function pruneNm(param: Param, config: NmStep, context: StepLocation & Partial<StepContext>): Encoding | undefined {
  const n = config.n ?? 2;
  const m = config.m ?? 4;
  const rank = param.shape.length;
  let axis = config.axis;
  if (axis === undefined) {
    axis = rank === 0 ? undefined : roleAxes(param.role, rank).inputAxis;
    if (axis === undefined) {
      context.note?.(`${param.name}: left alone: role ${param.role} at rank ${rank} has no input axis (give axis to choose one)`);
      return undefined;
    }
  } else if (axis < -rank || axis >= rank) {
    throw new WhittleError('invalid-recipe', `axis ${axis} is outside the param's rank-${rank} shape [${param.shape.join(', ')}]`, {
      step: context.step,
      field: 'axis',
    });
  }
  if (axis < 0) axis += rank;
  const found = prunableTensor(param);
  if ('reason' in found) {
    context.note?.(`${param.name}: left alone: ${found.reason}`);
    return undefined;
  }
  const { tensor, valueDType } = found;
  const pruned = maskedTensor(tensor, nmMask(magnitudeScores(tensor.data), tensor.shape, { n, m, axis }));
  const { layout = 'nm', ...rest } = config.storage ?? {};
  if (layout !== 'nm') return storePruned(pruned, valueDType, { ...rest, layout: layout as StorageLayout });
  if (tensor.shape[axis]! % m === 0) return storeInLayout(pruned, valueDType, { kind: 'nm', n, m, axis });
  context.note?.(`${param.name}: stored in the smallest sparse form, not N:M: axis ${axis} of length ${tensor.shape[axis]} is not a multiple of ${m}`);
  return storePruned(pruned, valueDType, { ...rest, layout: 'auto' });
}
