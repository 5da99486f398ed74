/**
 * The `distill` recipe handler: the model being compressed is the teacher; a student built from
 * it by the step's spec learns to match it on the `training` resource (the CLI's `--data mnist`)
 * and takes its place in the recipe.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  TRAINING_NEED,
  WhittleError,
  requireTraining,
  countParams,
  isWhittleError,
  loadGradients,
  modelByteLength,
  type Model,
  type ModelSize,
  type RecipeHandler,
  type StepContext,
  type StepLocation,
} from '@whittle/core';
import { hintonLoss, type DistillationLoss, type ModelOutputs } from '../losses/index.ts';
import { buildStudent, gruForLstm, separable, shrinkWidth } from '../students/index.ts';
import { distill } from '../train/index.ts';
import { classifierLogits } from './classifier-logits.ts';
import { DISTILL_KIND, distillStep, validateDistillStep, type DistillConfig } from './distill-step.ts';
import { distillData } from './training-batches.ts';

/**
 * The `distill` handler: `buildStudent(model, config.student)`, then `distill` with the Hinton
 * loss (outputs that are softmax probabilities are read as their logs), the step's optimizer,
 * epochs, batch size and seed, on the `training` resource. Notes the teacher's and the student's
 * params, and the loss of the first and last epoch. `estimate` builds the student without
 * training it (specs with `rank` or `lowRankBudget` factor weights, so they cannot be estimated).
 *
 * @example
 * ```ts
 * const { model: small } = await compress(teacher, [{ kind: 'distill', student: { width: 0.25 }, epochs: 3 }, { kind: 'quantize.kmeans', bits: 5 }], {
 *   resources: { training: { batches, loss: 'categoricalCrossentropy' } },
 * });
 * ```
 */
export const distillHandler: RecipeHandler<DistillConfig> = {
  kind: DISTILL_KIND,
  description: 'replace the model with a student built from it (student spec) trained to match it: Hinton distillation (resource "training"; CLI: --data mnist)',
  example: distillStep({ student: { width: 0.25 }, epochs: 3, temperature: 4, alpha: 0.1 }) as unknown as DistillConfig,
  effect: 'rewrites-topology',
  needs: () => [TRAINING_NEED],
  validate: validateDistillStep,
  estimate: (model, config, context) => estimateStudent(model, config, context),
  apply: (model, config, context) => applyDistill(model, config, context),
};

async function applyDistill(model: Model, config: DistillConfig, context: StepContext): Promise<Model> {
  const training = requireTraining(context, 'distill');
  const student = await buildStudent(model, config.student).catch((error: unknown) => {
    throw inStep(error, context, 'student');
  });
  // tfjs-layers registers the gradients as it loads; a bundled app may have dropped them.
  await loadGradients();
  const data = (() => {
    try {
      return distillData(training);
    } catch (error) {
      throw inStep(error, context);
    }
  })();
  const loss = classifierHintonLoss(config);
  try {
    const result = await distill({
      teacher: model,
      student,
      data: data.data,
      loss,
      optimizer: config.optimizer,
      ...(config.learningRate === undefined ? {} : { learningRate: config.learningRate }),
      epochs: config.epochs,
      batchSize: config.batchSize,
      seed: config.seed,
      onProgress: (progress) => {
        // Stops training between batches; the error is the signal's reason.
        context.signal?.throwIfAborted();
        if (progress.kind === 'epoch') context.onParam?.(`epoch ${progress.epoch}`, progress.epoch, config.epochs);
      },
    }).catch((error: unknown) => {
      throw inStep(error, context);
    });
    const losses = result.history.loss;
    context.note?.(`teacher ${countParams(model).toLocaleString('en-US')} params, student ${countParams(result.student).toLocaleString('en-US')} params`);
    const last = `${formatLoss(losses[losses.length - 1]!)} after epoch ${losses.length}`;
    context.note?.(`distillation loss ${losses.length === 1 ? last : `${formatLoss(losses[0]!)} after epoch 1, ${last}`}`);
    return result.student;
  } finally {
    data.dispose();
  }
}

/** The Hinton loss on logits, whether each model ends in logits or in a softmax. */
function classifierHintonLoss(config: DistillConfig): DistillationLoss {
  const hinton = hintonLoss({ temperature: config.temperature, alpha: config.alpha });
  const logits = (outputs: ModelOutputs): ModelOutputs => (outputs instanceof tf.Tensor ? classifierLogits(outputs) : outputs.map(classifierLogits));
  return (teacherOutputs, studentOutputs, labels) => hinton(logits(teacherOutputs), logits(studentOutputs), labels);
}

/** The student's size, built without training (its params and float32 bytes are what training keeps). */
function estimateStudent(model: Model, config: DistillConfig, context: StepLocation): ModelSize {
  const spec = config.student;
  if (spec.rank !== undefined || spec.lowRankBudget !== undefined) {
    throw new WhittleError('invalid-recipe', 'a distill step whose student factors Dense layers (rank, lowRankBudget) cannot be estimated without building it', {
      field: spec.rank === undefined ? 'student.lowRankBudget' : 'student.rank',
      step: context.step,
    });
  }
  // The same builders, in the same order, as `buildStudent` (which is asynchronous for low rank).
  let student = model;
  try {
    if (spec.gru === true) student = gruForLstm(student, { seed: spec.seed ?? 0 });
    if (spec.width !== undefined) student = shrinkWidth(student, { factor: spec.width, multipleOf: spec.multipleOf ?? 1 });
    if (spec.separable === true) student = separable(student);
  } catch (error) {
    throw inStep(error, context, 'student');
  }
  return { params: countParams(student), bytes: modelByteLength(student) };
}

function formatLoss(value: number): string {
  return value.toPrecision(4);
}

/** An error of a part of the step given the step's number, and `field` where it names none. */
function inStep(error: unknown, context: StepLocation, field?: string): unknown {
  if (!isWhittleError(error) || error.step !== undefined) return error;
  const named = error.field ?? field;
  return new WhittleError(error.code, error.detail, { ...(named === undefined ? {} : { field: named }), ...(error.file === undefined ? {} : { file: error.file }), step: context.step }, { cause: error });
}
