/**
 * The `fineTune` settings of a `quantize.kmeans` step: plain JSON data, and their validation.
 */
import { WhittleError, describeValue, readEnum, readInteger, readNumber, rejectUnknownFields, type RecipeStep, type StepLocation } from '@whittle/core';

/** The optimizers fine-tuning can name (tfjs's `tf.train.adam`, `sgd`, `rmsprop`). */
export const FINE_TUNE_OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;

/** One of {@link FINE_TUNE_OPTIMIZERS}. */
export type FineTuneOptimizer = (typeof FINE_TUNE_OPTIMIZERS)[number];

/** Defaults of the optional settings. */
export const FINE_TUNE_DEFAULTS = { learningRate: 1e-4, optimizer: 'adam' } as const;

/** The most epochs fine-tuning may ask for: a typo of 1e9 should not train for ever. */
const MAX_EPOCHS = 10_000;

/** Centroid fine-tuning after k-means weight sharing (Deep Compression §3.3). */
export interface FineTuneSettings {
  /** Passes over the training data, at least 1. */
  readonly epochs: number;
  /** The optimizer's learning rate (default 0.0001). */
  readonly learningRate?: number;
  /** Rows per optimizer step: larger training batches are cut to it (default: the batches as given). */
  readonly batchSize?: number;
  /** Default `adam`. */
  readonly optimizer?: FineTuneOptimizer;
}

/** {@link FineTuneSettings} checked, defaults filled in. */
export interface FineTuneConfig {
  /** Passes over the training data. */
  readonly epochs: number;
  /** The optimizer's learning rate. */
  readonly learningRate: number;
  /** Rows per optimizer step; absent: the training batches as given. */
  readonly batchSize?: number;
  /** The tfjs optimizer the step makes (and disposes). */
  readonly optimizer: FineTuneOptimizer;
}

const FIELDS = ['epochs', 'learningRate', 'batchSize', 'optimizer'] as const;

/**
 * Reads an untrusted `step.fineTune` object; throws an `invalid-recipe` WhittleError naming the
 * step and the field (`fineTune.epochs`).
 *
 * @example
 * ```ts
 * readFineTune({ kind: 'quantize.kmeans', bits: 6, fineTune: { epochs: 2 } }, { step: 1 }); // { epochs: 2, learningRate: 0.0001, optimizer: 'adam' }
 * ```
 */
export function readFineTune(step: RecipeStep, context: StepLocation): FineTuneConfig {
  const value = step.fineTune;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WhittleError('invalid-recipe', `fineTune must be an object { epochs, learningRate?, batchSize?, optimizer? }, got ${describeValue(value)}`, {
      field: 'fineTune',
      step: context.step,
    });
  }
  rejectUnknownFields(step, FIELDS, context, 'fineTune');
  const batchSize = (value as Record<string, unknown>).batchSize === undefined ? undefined : readInteger(step, 'fineTune.batchSize', { min: 1, max: 2 ** 31 - 1 }, context);
  return {
    epochs: readInteger(step, 'fineTune.epochs', { min: 1, max: MAX_EPOCHS }, context),
    learningRate: readNumber(step, 'fineTune.learningRate', { min: 0, minExclusive: true, max: 100, default: FINE_TUNE_DEFAULTS.learningRate }, context),
    ...(batchSize === undefined ? {} : { batchSize }),
    optimizer: readEnum(step, 'fineTune.optimizer', FINE_TUNE_OPTIMIZERS, { default: FINE_TUNE_DEFAULTS.optimizer }, context),
  };
}
