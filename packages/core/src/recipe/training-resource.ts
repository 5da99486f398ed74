/**
 * The `training` resource: what a step that trains (gradual pruning, fine-tuning, distillation)
 * learns from.
 * Batches and a loss are not JSON, so they cannot ride in the recipe: `compress` is given them by
 * name in `resources` (the CLI's `--data mnist` makes them).
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, isWhittleError } from '../errors.ts';
import type { BatchData, FitOptions } from '../runner/index.ts';
import { describeValue } from '../tensor/shape.ts';
import type { ResourceNeed, StepContext } from './types.ts';

/** The name the training data is passed under in `compress`'s `resources`. */
export const TRAINING_RESOURCE = 'training';

/** A loss: a tfjs-layers loss name (`categoricalCrossentropy`, `meanSquaredError`, …) or `(targets, outputs) => loss`. */
export type TrainingLoss = FitOptions['loss'];

/**
 * The `training` resource: batches of model inputs with targets (the runner's `BatchData`, read
 * once per epoch), and the loss that compares the model's outputs with the targets.
 *
 * @example
 * ```ts
 * const training: TrainingData = { batches: [{ inputs: images, targets: oneHotLabels }], loss: 'categoricalCrossentropy' };
 * await compress(model, recipe, { resources: { training } }); // a recipe with a step that trains
 * ```
 */
export interface TrainingData {
  /** Inputs with targets, in every batch. */
  readonly batches: BatchData;
  /** Compares the model's outputs with the targets. */
  readonly loss: TrainingLoss;
}

/**
 * Throws an `invalid-argument` WhittleError naming the field when `value` is not a
 * {@link TrainingData}; each batch is checked when it is read.
 *
 * @example
 * ```ts
 * checkTrainingData({ batches: [], loss: 'meanSquaredError' }); // passes
 * ```
 */
export function checkTrainingData(value: unknown): asserts value is TrainingData {
  const field = `resources.${TRAINING_RESOURCE}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WhittleError('invalid-argument', `training data must be an object { batches, loss }, got ${describeValue(value)}`, { field });
  }
  const { batches, loss } = value as { batches?: unknown; loss?: unknown };
  if (!Array.isArray(batches) && typeof batches !== 'function') {
    throw new WhittleError('invalid-argument', 'batches must be an array of { inputs, targets } or a function returning an iterable of them', {
      field: `${field}.batches`,
    });
  }
  if (!((typeof loss === 'string' && loss.length > 0) || typeof loss === 'function')) {
    throw new WhittleError('invalid-argument', `loss must be a tfjs-layers loss name or a function (targets, outputs) => loss, got ${describeValue(loss)}`, {
      field: `${field}.loss`,
    });
  }
}

/**
 * The step's `training` resource, checked: a `missing-resource` WhittleError naming the step when
 * it is absent (`compress` checks needs before step 1; this covers a handler called directly), an
 * `invalid-argument` one naming the resource's field when it is not a {@link TrainingData}.
 * `technique` names the step in the message (`prune.gradual`, `distill`).
 *
 * @example
 * ```ts
 * const training = requireTraining(context, 'prune.gradual');
 * ```
 */
export function requireTraining(context: StepContext, technique: string): TrainingData {
  const training = context.resources[TRAINING_RESOURCE];
  if (training === undefined) {
    throw new WhittleError('missing-resource', `${technique} needs the "${TRAINING_RESOURCE}" resource: batches of inputs with targets, and the loss`, {
      field: `resources.${TRAINING_RESOURCE}`,
      step: context.step,
    });
  }
  try {
    checkTrainingData(training);
  } catch (error) {
    throw inTrainingResource(error, context);
  }
  return training;
}

/**
 * An error from training on the resource, placed in the step: the runner's `data…` and `loss`
 * fields become the resource's (`resources.training.batches…`, `resources.training.loss`), and
 * the step's number is added. Errors that already name a step, and anything not a WhittleError,
 * pass unchanged.
 *
 * @example
 * ```ts
 * await trainPruned(model, options).catch((error: unknown) => { throw inTrainingResource(error, context); });
 * ```
 */
export function inTrainingResource(error: unknown, context: Pick<StepContext, 'step'>): unknown {
  if (!isWhittleError(error) || error.step !== undefined) return error;
  let field = error.field;
  if (field?.startsWith('data') === true) field = `resources.${TRAINING_RESOURCE}.batches${field.slice('data'.length)}`;
  else if (field === 'loss') field = `resources.${TRAINING_RESOURCE}.loss`;
  return new WhittleError(
    error.code,
    error.detail,
    { ...(field === undefined ? {} : { field }), ...(error.file === undefined ? {} : { file: error.file }), step: context.step },
    { cause: error }
  );
}

/** What a training step asks `compress` for: the {@link TrainingData}, checked before step 1. */
export const TRAINING_NEED: ResourceNeed = {
  name: TRAINING_RESOURCE,
  description: 'batches of model inputs with targets, and the loss: { batches, loss }',
  check: checkTrainingData,
};

/**
 * Softmax cross-entropy for classifiers, whatever their last layer: rows of outputs that are
 * already probabilities (non-negative, summing to 1, as a softmax layer gives) are scored as they
 * are, any other row as logits. Targets are one-hot `[batch, classes]`. For a `training`
 * resource whose models may end either way.
 *
 * @example
 * ```ts
 * const training: TrainingData = { batches, loss: classificationLoss };
 * ```
 */
export function classificationLoss(targets: tf.Tensor, outputs: tf.Tensor): tf.Tensor {
  return crossEntropy(tf.cast(targets, 'float32'), tf.cast(outputs, 'float32'));
}

/**
 * The loss and its gradient written out, so the test of which rows are probabilities (a boolean
 * with no gradient of its own) stays off the tape: d/dz of logits rows is softmax(z) − t, d/dp of
 * probability rows is −t/p, each over the batch.
 */
const crossEntropy = tf.customGrad(((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [targets, outputs, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  const axis = outputs.rank - 1;
  const rows = outputs.size / Math.max(1, outputs.shape[axis] ?? 1);
  const isProbability = tf.logicalAnd(tf.all(tf.greaterEqual(outputs, 0), axis, true), tf.less(tf.abs(tf.sub(tf.sum(outputs, axis, true), 1)), 1e-3));
  const clipped = tf.clipByValue(outputs, 1e-7, 1);
  const softmax = tf.softmax(outputs, axis);
  const perRow = tf.neg(tf.sum(tf.mul(targets, tf.where(isProbability, tf.log(clipped), tf.logSoftmax(outputs, axis))), axis));
  save([targets, clipped, softmax, isProbability]);
  return {
    value: tf.mean(perRow),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedTargets, savedClipped, savedSoftmax, savedIsProbability] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const perOutput = tf.where(savedIsProbability, tf.neg(tf.div(savedTargets, savedClipped)), tf.sub(savedSoftmax, savedTargets));
      return [tf.zerosLike(savedTargets), tf.mul(tf.div(perOutput, rows), dy)];
    },
  };
}) as Parameters<typeof tf.customGrad>[0]) as (targets: tf.Tensor, outputs: tf.Tensor) => tf.Tensor;
