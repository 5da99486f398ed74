/**
 * `prune.magnitude`: unstructured magnitude pruning, per tensor or with one ranking across every
 * selected tensor (torch's `global_unstructured`), stored sparse.
 */
import {
  WEIGHT_ROLES,
  WhittleError,
  FILTER_FIELDS,
  byteLength,
  copyFilter,
  isWhittleError,
  estimateParams,
  mapParams,
  readEnum,
  readFilter,
  readNumber,
  rejectUnknownFields,
  selectParams,
  type Encoding,
  type Model,
  type Param,
  type ParamFilter,
  type RecipeHandler,
  type RecipeStep,
  type StepContext,
  type StepLocation,
} from '@whittle/core';
import { magnitudeScores, pruneLowest, pruneLowestAcross } from '../masks/index.ts';
import { STORAGE_LAYOUTS, type StorageOptions } from '../storage/index.ts';
import { checkSparsityGlobs, compileSparsities, readSparsities } from './param-sparsities.ts';
import { maskedTensor, prunableTensor, storePruned, type PrunableTensor } from './prunable-tensor.ts';
import { alwaysStoresSparse, readStorage } from './step-storage.ts';

/** How a magnitude step ranks: each tensor on its own, or every selected tensor together. */
export const MAGNITUDE_SCOPES = ['layer', 'global'] as const;

/** One of {@link MAGNITUDE_SCOPES}. */
export type MagnitudeScope = (typeof MAGNITUDE_SCOPES)[number];

/** A `prune.magnitude` step. */
export interface MagnitudeStep extends RecipeStep, ParamFilter {
  readonly kind: 'prune.magnitude';
  /**
   * The fraction of each tensor's elements (`scope: 'layer'`) or of all selected elements
   * (`'global'`) that are zero afterwards, 0–1. Required unless `sparsities` is given; with it,
   * the sparsity of params no glob matches.
   */
  readonly sparsity?: number;
  /** `layer` (default): each tensor pruned to its target; `global`: one ranking across all. */
  readonly scope?: MagnitudeScope;
  /**
   * Per-param sparsities by name glob, `{ "dense_1/*": 0.95, "**": 0.8 }`: a param takes the
   * sparsity of the first glob it matches, in the object's key order (JavaScript puts keys that
   * read as integers first; globs seldom do), else `sparsity`. Every glob must match a param the
   * step selects (checked when the whole model is at hand; a streamed checkpoint cannot be
   * checked before it is written). Layer scope only.
   */
  readonly sparsities?: Readonly<Record<string, number>>;
  /** How pruned params are stored (`storeSparse`'s options); default the smallest form. */
  readonly storage?: StorageOptions;
}

/** Options of {@link magnitude}. */
export interface MagnitudeStepOptions extends ParamFilter {
  readonly sparsity?: number;
  readonly scope?: MagnitudeScope;
  readonly sparsities?: Readonly<Record<string, number>>;
  readonly storage?: StorageOptions;
}

/**
 * A `prune.magnitude` step: plain JSON data. Zeros the lowest-|w| elements of every selected
 * weight (kernels, linear weights, embeddings by default) so that `sparsity` of them are zero,
 * within one element per tensor, and stores each pruned tensor sparse.
 *
 * @example
 * ```ts
 * const { model: pruned } = await compress(model, [magnitude({ sparsity: 0.9, scope: 'global' })]);
 * const perLayer = magnitude({ sparsity: 0.8, sparsities: { 'dense_1/*': 0.95 }, storage: { valueBits: 5 } });
 * ```
 */
export function magnitude(options: MagnitudeStepOptions): MagnitudeStep {
  const { sparsity, scope, sparsities, storage } = options;
  return {
    kind: 'prune.magnitude',
    ...(sparsity === undefined ? {} : { sparsity }),
    ...(scope === undefined ? {} : { scope }),
    ...(sparsities === undefined ? {} : { sparsities: { ...sparsities } }),
    ...(storage === undefined ? {} : { storage: { ...storage } }),
    ...copyFilter(options),
  };
}

/**
 * The handler for `prune.magnitude` steps. Layer scope works param by param (a safetensors
 * checkpoint streams through `encodeParam`); global scope needs every selected param at once.
 * Float params stored dense or sparse are pruned (a sparse one is decoded, pruned further and
 * stored again); quantized, low-rank and integer params are left alone and noted.
 */
export const magnitudeHandler: RecipeHandler<MagnitudeStep> = {
  kind: 'prune.magnitude',
  description: 'unstructured magnitude pruning per tensor or globally, stored sparse (bitmask, relative-index CSR or flat relative indices)',
  example: { kind: 'prune.magnitude', sparsity: 0.9, scope: 'layer' },
  effect: 're-encodes-params',
  defaultRoles: WEIGHT_ROLES,
  perParam: true,
  streamsConfig: (config) => config.scope !== 'global' && alwaysStoresSparse(configuredSparsities(config), config.storage ?? {}),
  validate(step, context) {
    rejectUnknownFields(step, ['sparsity', 'scope', 'sparsities', 'storage', ...FILTER_FIELDS], context);
    const scope = readEnum(step, 'scope', MAGNITUDE_SCOPES, { default: 'layer' }, context);
    const sparsities = step.sparsities === undefined ? undefined : readSparsities(step, context);
    if (sparsities !== undefined && scope === 'global') {
      throw new WhittleError('invalid-recipe', "sparsities applies to scope 'layer' only: a global ranking has one target", {
        step: context.step,
        field: 'sparsities',
      });
    }
    const sparsity =
      step.sparsity === undefined && sparsities !== undefined ? undefined : readNumber(step, 'sparsity', { min: 0, max: 1 }, context);
    const storage = readStorage(step, STORAGE_LAYOUTS, context);
    return {
      kind: 'prune.magnitude',
      ...(sparsity === undefined ? {} : { sparsity }),
      scope,
      ...(sparsities === undefined ? {} : { sparsities }),
      ...(step.storage === undefined ? {} : { storage }),
      ...readFilter(step, context),
    };
  },
  encodeParam(param, config, context) {
    return pruneOneParam(param, config, context);
  },
  estimate(model, config, context) {
    // Exact, so it reads the data: which elements a step prunes, and so how a sparse layout
    // stores them, depends on their values.
    const encode = encoderFor(model, config, context);
    return estimateParams(model, config, WEIGHT_ROLES, context, (param) => {
      const encoded = encode(param);
      return encoded === undefined ? undefined : byteLength(encoded);
    });
  },
  apply(model, config, context) {
    return mapParams(model, config, WEIGHT_ROLES, context, encoderFor(model, config, context));
  },
};

function configuredSparsities(config: MagnitudeStep): number[] {
  return [...(config.sparsity === undefined ? [] : [config.sparsity]), ...Object.values(config.sparsities ?? {})];
}

/** The encoder of the step's selected params over the whole `model`, after the checks that need it. */
function encoderFor(model: Model, config: MagnitudeStep, context: StepLocation & Partial<StepContext>): (param: Param) => Encoding | undefined {
  if (config.scope === 'global') return globalEncoder(model, config, context);
  checkSparsityGlobs(config.sparsities, selectParams(model, config, WEIGHT_ROLES), context);
  const sparsityOf = compileSparsities(config.sparsities, config.sparsity);
  return (param) => pruneOneParam(param, config, context, sparsityOf);
}

function pruneOneParam(
  param: Param,
  config: MagnitudeStep,
  context: StepLocation & Partial<StepContext>,
  sparsityOf = compileSparsities(config.sparsities, config.sparsity),
): Encoding | undefined {
  const sparsity = sparsityOf(param.name);
  if (sparsity === undefined) {
    throw new WhittleError('invalid-recipe', 'the param matches no glob of sparsities, and the step gives no sparsity', {
      step: context.step,
      field: 'sparsity',
    });
  }
  const found = prunableTensor(param);
  if ('reason' in found) {
    context.note?.(`${param.name}: left alone: ${found.reason}`);
    return undefined;
  }
  const count = Math.round(sparsity * found.tensor.data.length);
  return storePruned(maskedTensor(found.tensor, pruneLowest(magnitudeScores(found.tensor.data), count)), found.valueDType, config.storage ?? {});
}

/** One ranking of |w| across every prunable selected param, as if they were concatenated in model order. */
function globalEncoder(model: Model, config: MagnitudeStep, context: StepLocation & Partial<StepContext>): (param: Param) => Encoding | undefined {
  const tensors = new Map<string, PrunableTensor>();
  for (const param of selectParams(model, config, WEIGHT_ROLES)) {
    const found = atParam(param, context.step, () => prunableTensor(param));
    if ('reason' in found) context.note?.(`${param.name}: left alone: ${found.reason}`);
    else tensors.set(param.name, found);
  }
  const names = [...tensors.keys()];
  const total = names.reduce((sum, name) => sum + tensors.get(name)!.tensor.data.length, 0);
  const masks = pruneLowestAcross(
    names.map((name) => magnitudeScores(tensors.get(name)!.tensor.data)),
    Math.round((config.sparsity ?? 0) * total),
  );
  const maskOf = new Map(names.map((name, index) => [name, masks[index]!]));
  return (param) => {
    const found = tensors.get(param.name);
    if (found === undefined) return undefined;
    return storePruned(maskedTensor(found.tensor, maskOf.get(param.name)!), found.valueDType, config.storage ?? {});
  };
}

/** `work()`, with a WhittleError it throws naming the param and the step, as core's `mapParams` names them. */
function atParam<Result>(param: Param, step: number, work: () => Result): Result {
  try {
    return work();
  } catch (error) {
    if (!isWhittleError(error)) throw error;
    const path = `params[${JSON.stringify(param.name)}]`;
    const field = error.field === undefined ? path : `${path}.${error.field}`;
    throw new WhittleError(error.code, `param ${JSON.stringify(param.name)}: ${error.detail}`, { step, field }, { cause: error });
  }
}
