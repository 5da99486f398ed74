/**
 * The kinds of model `distill` takes as teacher or student, and how each runs: whittle Models,
 * tfjs-layers LayersModels, and any model that exposes an apply function and its variables.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, describeValue, loadRunner, type Model } from '@whittle/core';
import type { ModelOutputs } from '../losses/index.ts';

/** A model given as its forward function and the variables that training updates. */
export interface ApplyModel {
  /** The model's outputs for a batch of inputs; `training` is true when the student trains. */
  apply(inputs: tf.Tensor, options?: { training?: boolean }): ModelOutputs;
  /** The variables that train (a teacher's are never touched). */
  readonly trainableVariables: readonly tf.Variable[];
}

/** The part of a tfjs-layers LayersModel that `distill` uses. */
export interface LayersModelLike {
  apply(inputs: tf.Tensor, kwargs?: { training?: boolean }): unknown;
  predict(inputs: tf.Tensor, config?: { batchSize?: number }): tf.Tensor | tf.Tensor[];
  readonly trainableWeights: readonly { read(): tf.Tensor }[];
  save(handler: unknown): Promise<unknown>;
}

/** A teacher or student: a whittle Model (Keras topology to train), a LayersModel, or an {@link ApplyModel}. */
export type DistillModel = Model | LayersModelLike | ApplyModel;

/** A teacher ready to run: inference only. */
export interface RunningTeacher {
  predict(inputs: tf.Tensor): ModelOutputs;
  dispose(): void;
}

/** A student ready to train. */
export interface TrainingStudent {
  apply(inputs: tf.Tensor, training: boolean): ModelOutputs;
  readonly variables: readonly tf.Variable[];
  /** The trained student, in the kind it was given in. */
  finish(): Promise<DistillModel>;
  /** Frees what loading it made (not a LayersModel handed back by `finish`); an apply model not finished gets its variables back as they were. */
  dispose(): void;
}

/** What kind of {@link DistillModel} `value` is, or a WhittleError naming `field`. */
export function modelKind(value: unknown, field: string): 'model' | 'layers' | 'apply' {
  if (typeof value === 'object' && value !== null) {
    const candidate = value as Record<string, unknown>;
    if (candidate.params instanceof Map && 'format' in candidate && 'topology' in candidate) return 'model';
    if (typeof candidate.predict === 'function' && typeof candidate.apply === 'function' && typeof candidate.save === 'function' && Array.isArray(candidate.trainableWeights)) return 'layers';
    if (typeof candidate.apply === 'function' && Array.isArray(candidate.trainableVariables)) {
      if (!(candidate.trainableVariables as unknown[]).every((variable) => variable instanceof tf.Variable)) {
        throw new WhittleError('invalid-argument', 'trainableVariables must be tfjs Variables', { field: `${field}.trainableVariables` });
      }
      return 'apply';
    }
  }
  throw new WhittleError('invalid-argument', `must be a whittle Model, a tfjs-layers LayersModel or { apply(x), trainableVariables }, got ${describeValue(value)}`, { field });
}

/**
 * The teacher, loaded to run in inference mode. A whittle Model runs through core's runner (a
 * Keras or a graph topology, any encodings).
 *
 * @example
 * ```ts
 * const teacher = await runningTeacher(teacherModel);
 * const logits = teacher.predict(images);
 * ```
 */
export async function runningTeacher(teacher: DistillModel): Promise<RunningTeacher> {
  const kind = modelKind(teacher, 'teacher');
  if (kind === 'model') {
    const { loadRunnable } = await loadRunner('distilling a whittle Model teacher', { field: 'teacher' });
    const runnable = await loadRunnable(teacher as Model);
    return { predict: (inputs) => runnable.predict(inputs), dispose: () => runnable.dispose() };
  }
  if (kind === 'layers') {
    const layersModel = teacher as LayersModelLike;
    return { predict: (inputs) => layersModel.predict(inputs, { batchSize: Math.max(1, inputs.shape[0] ?? 1) }), dispose: () => {} };
  }
  const applyModel = teacher as ApplyModel;
  return { predict: (inputs) => applyModel.apply(inputs, { training: false }), dispose: () => {} };
}

/**
 * The student, ready to train. A whittle Model or a LayersModel is copied into a fresh
 * LayersModel (the one given is left as it was); an {@link ApplyModel}'s own variables train.
 *
 * @example
 * ```ts
 * const student = await trainingStudent(studentModel);
 * const trained = await student.finish(); // a whittle Model again
 * ```
 */
export async function trainingStudent(student: DistillModel): Promise<TrainingStudent> {
  const kind = modelKind(student, 'student');
  if (kind === 'apply') {
    const applyModel = student as ApplyModel;
    const variables = [...applyModel.trainableVariables];
    // Its variables train in place, so a failure part-way puts them back as they were.
    let initial: tf.Tensor[] | undefined = variables.map((variable) => tf.clone(variable));
    return {
      apply: (inputs, training) => applyModel.apply(inputs, { training }),
      variables,
      finish: async () => {
        tf.dispose(initial);
        initial = undefined;
        return applyModel;
      },
      dispose: () => {
        if (initial === undefined) return;
        for (const [index, variable] of variables.entries()) variable.assign(initial[index]!);
        tf.dispose(initial);
        initial = undefined;
      },
    };
  }
  const { fromLayersModel, loadTrainable } = await loadRunner('training the student', { field: 'student' });
  const model = kind === 'model' ? (student as Model) : await fromLayersModel(student as never);
  const trainable = await loadTrainable(model);
  const layersModel = trainable.layersModel as unknown as LayersModelLike;
  let handedBack = false;
  return {
    apply: (inputs, training) => layersModel.apply(inputs, { training }) as ModelOutputs,
    // A LayerVariable reads as the tf.Variable it wraps.
    variables: layersModel.trainableWeights.map((weight) => weight.read() as tf.Variable),
    finish: async () => {
      if (kind === 'model') return trainable.toModel();
      handedBack = true;
      return trainable.layersModel as unknown as LayersModelLike;
    },
    dispose: () => {
      if (!handedBack) trainable.dispose();
    },
  };
}
