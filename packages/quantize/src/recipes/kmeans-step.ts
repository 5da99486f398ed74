/**
 * `quantize.kmeans`: k-means weight sharing (Deep Compression), one codebook per tensor, with
 * the centroids optionally fine-tuned on training data.
 */
import {
  TRAINING_NEED,
  WEIGHT_ROLES,
  FILTER_FIELDS,
  WhittleError,
  inTrainingResource,
  optimizerByName,
  requireTraining,
  selectParams,
  copyFilter,
  estimateParams,
  mapParams,
  readFilter,
  readEnum,
  readInteger,
  rejectUnknownFields,
  type Model,
  type ParamFilter,
  type RecipeHandler,
  type RecipeStep,
  type StepContext,
} from '@whittle/core';
import { readFineTune, type FineTuneConfig, type FineTuneSettings } from '../finetune/fine-tune-settings.ts';
import { sharedWeightsOf } from '../finetune/shared-weights.ts';
import { trainSharedWeights } from '../finetune/train-shared-weights.ts';
import { KMEANS_INITS, kmeansByteLength, kmeansQuantize, type KmeansInit } from '../primitives/kmeans-quantize.ts';
import { createAffineScratch, type AffineScratch } from '../primitives/quantize-affine-destination.ts';
import { encodeFloatParam, floatParamByteLength } from './float-param.ts';

/** A `quantize.kmeans` step. */
export interface KmeansStep extends RecipeStep, ParamFilter {
  readonly kind: 'quantize.kmeans';
  /** Index width 1–8: 2^bits shared values per tensor. */
  readonly bits: number;
  /** Most Lloyd iterations (default 50). */
  readonly iterations?: number;
  /** Seed for reseeding empty clusters (default 0). */
  readonly seed?: number;
  /** Starting centroids: `'optimal'` (default, least squared error) or `'linear'` (Deep Compression's). */
  readonly init?: KmeansInit;
  /**
   * Fine-tune the centroids on the `training` resource after clustering (Deep Compression §3.3):
   * the indices stay, each centroid moves by the sum of its weights' gradients, pruned weights
   * stay zero, and the other dense float32 params (biases) retrain. Absent: no training.
   */
  readonly fineTune?: FineTuneSettings;
}

/** A validated {@link KmeansStep}: defaults filled in. */
export interface KmeansConfig extends KmeansStep {
  /** The fine-tuning settings, checked, defaults filled in; absent: no training. */
  readonly fineTune?: FineTuneConfig;
}

/** Options of {@link kmeans}. */
export interface KmeansStepOptions extends ParamFilter {
  readonly bits: number;
  readonly iterations?: number;
  readonly seed?: number;
  readonly init?: KmeansInit;
  readonly fineTune?: FineTuneSettings;
}

/** One scratch per validated step, shared by every param it encodes (see the affine step's). */
const scratches = new WeakMap<KmeansStep, AffineScratch>();

function stepScratch(config: KmeansStep): AffineScratch {
  let scratch = scratches.get(config);
  if (scratch === undefined) {
    scratch = createAffineScratch();
    scratches.set(config, scratch);
  }
  return scratch;
}

/** Most iterations a step may ask for (each is cheap, but a typo of 1e9 should not hang). */
const MAX_ITERATIONS = 10_000;

/**
 * A `quantize.kmeans` step: plain JSON data.
 *
 * @example
 * ```ts
 * const { model: shared } = await compress(model, [kmeans({ bits: 4, seed: 7 })]);
 * // Deep Compression: 6-bit shared weights whose centroids then train for 2 epochs.
 * const { model: tuned } = await compress(model, [kmeans({ bits: 6, fineTune: { epochs: 2, batchSize: 100 } })], {
 *   resources: { training: { batches, loss: 'categoricalCrossentropy' } },
 * });
 * ```
 */
export function kmeans(options: KmeansStepOptions): KmeansStep {
  const { bits, iterations, seed, init, fineTune } = options;
  return {
    kind: 'quantize.kmeans',
    bits,
    ...(iterations === undefined ? {} : { iterations }),
    ...(seed === undefined ? {} : { seed }),
    ...(init === undefined ? {} : { init }),
    ...(fineTune === undefined ? {} : { fineTune: { ...fineTune } }),
    ...copyFilter(options),
  };
}

/** The handler for `quantize.kmeans` steps. */
export const kmeansHandler: RecipeHandler<KmeansConfig> = {
  kind: 'quantize.kmeans',
  description: 'k-means weight sharing: 2^bits float32 centroids per tensor and packed indices; fineTune trains the centroids (resource "training"; CLI: --data mnist)',
  example: { kind: 'quantize.kmeans', bits: 4 },
  effect: 're-encodes-params',
  defaultRoles: WEIGHT_ROLES,
  perParam: true,
  // Fine-tuning trains the whole model at once.
  streamsConfig: (config) => config.fineTune === undefined,
  needs: (config) => (config.fineTune === undefined ? [] : [TRAINING_NEED]),
  validate(step, context) {
    rejectUnknownFields(step, ['bits', 'iterations', 'seed', 'init', 'fineTune', ...FILTER_FIELDS], context);
    const fineTune = step.fineTune === undefined ? undefined : readFineTune(step, context);
    return {
      kind: 'quantize.kmeans',
      bits: readInteger(step, 'bits', { min: 1, max: 8 }, context),
      iterations: readInteger(step, 'iterations', { min: 0, max: MAX_ITERATIONS, default: 50 }, context),
      seed: readInteger(step, 'seed', { min: 0, max: 2 ** 32 - 1, default: 0 }, context),
      init: readEnum<KmeansInit>(step, 'init', KMEANS_INITS, { default: 'optimal' }, context),
      ...(fineTune === undefined ? {} : { fineTune }),
      ...readFilter(step, context),
    };
  },
  encodeParam(param, config) {
    const { bits, iterations, seed, init } = config;
    const options = {
      bits,
      ...(iterations === undefined ? {} : { iterations }),
      ...(seed === undefined ? {} : { seed }),
      ...(init === undefined ? {} : { init }),
    };
    return encodeFloatParam(param, (tensor) => kmeansQuantize(tensor, options, { scratch: stepScratch(config) }));
  },
  estimate: (model, config, context) =>
    estimateParams(model, config, WEIGHT_ROLES, context, (param) => floatParamByteLength(param, (tensor) => kmeansByteLength(tensor.shape, config.bits))),
  apply(model, config, context) {
    const shared = mapParams(model, config, WEIGHT_ROLES, context, (param) => kmeansHandler.encodeParam!(param, config, context));
    return config.fineTune === undefined ? shared : fineTuneShared(shared, config, config.fineTune, context);
  },
};

/** The step's shared params fine-tuned on the `training` resource (see `trainSharedWeights`). */
async function fineTuneShared(model: Model, config: KmeansConfig, fineTune: FineTuneConfig, context: StepContext): Promise<Model> {
  const training = requireTraining(context, 'quantize.kmeans with fineTune');
  // Params the step selected but left alone (integer, already quantized) have no codebook to train.
  const shared = selectParams(model, config, WEIGHT_ROLES)
    .filter((param) => sharedWeightsOf(param) !== undefined)
    .map((param) => param.name);
  const optimizer = optimizerByName(fineTune.optimizer, fineTune.learningRate);
  try {
    const result = await trainSharedWeights(model, {
      shared,
      data: training.batches,
      loss: training.loss,
      optimizer,
      epochs: fineTune.epochs,
      ...(fineTune.batchSize === undefined ? {} : { batchSize: fineTune.batchSize }),
      ...(context.signal === undefined ? {} : { signal: context.signal }),
      onEpoch: (epoch) => context.onParam?.(`epoch ${epoch}`, epoch, fineTune.epochs),
    });
    return result.model;
  } catch (error) {
    throw inTrainingResource(error, context);
  } finally {
    optimizer.dispose();
  }
}
