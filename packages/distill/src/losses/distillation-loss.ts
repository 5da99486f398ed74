/**
 * The shape every distillation loss shares, built-in or the user's own: a function of the
 * teacher's outputs, the student's outputs and the labels, giving a scalar to minimise.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, describeValue } from '@whittle/core';

/** A model's outputs for one batch: one tensor, or one per output for a model with several. */
export type ModelOutputs = tf.Tensor | readonly tf.Tensor[];

/**
 * A distillation loss: `(teacherOutputs, studentOutputs, labels) ⇒ scalar`. Any function of this
 * shape plugs into `distill` and into plain tfjs training code (`optimizer.minimize`). A loss with
 * variables of its own (a learned projection) lists them in `trainableVariables`, which train with
 * the student, and frees them in `dispose`.
 */
export interface DistillationLoss {
  (teacherOutputs: ModelOutputs, studentOutputs: ModelOutputs, labels?: tf.Tensor): tf.Scalar;
  /** Variables the loss owns that train with the student (FitNets' projection). */
  readonly trainableVariables?: readonly tf.Variable[];
  /** Frees the loss's own variables. */
  dispose?(): void;
}

/** Which output of a multi-output teacher and student a loss compares. */
export interface OutputChoice {
  /** Index into the teacher's outputs; negative counts from the end. Default -1 (the last, where classifiers put logits). */
  readonly teacher?: number;
  /** Index into the student's outputs; negative counts from the end. Default -1. */
  readonly student?: number;
}

/**
 * The output at `index` of `outputs` (a single tensor is every index's output); a WhittleError
 * naming `field` when there is no such output.
 *
 * @example
 * ```ts
 * const logits = pickOutput([features, logits], -1, 'studentOutputs'); // logits
 * ```
 */
export function pickOutput(outputs: ModelOutputs, index: number, field: string): tf.Tensor {
  if (outputs instanceof tf.Tensor) return outputs;
  if (!Array.isArray(outputs)) throw new WhittleError('invalid-argument', `expected a tensor or an array of tensors, got ${describeValue(outputs)}`, { field });
  const list = outputs as readonly tf.Tensor[];
  const position = index < 0 ? list.length + index : index;
  const tensor = list[position];
  if (!(tensor instanceof tf.Tensor)) {
    throw new WhittleError('invalid-argument', `there is no output ${index} among ${list.length} outputs`, { field });
  }
  return tensor;
}

/** The output indices of `choice`, `fallback` where not given; a WhittleError naming `field` for anything but integers. */
export function checkOutputChoice(choice: OutputChoice | undefined, field: string, fallback = -1): { teacher: number; student: number } {
  if (choice === undefined) return { teacher: fallback, student: fallback };
  if (typeof choice !== 'object' || choice === null) throw new WhittleError('invalid-argument', `outputs must be an object { teacher?, student? }, got ${describeValue(choice)}`, { field });
  const teacher = choice.teacher ?? fallback;
  const student = choice.student ?? fallback;
  for (const [name, value] of [['teacher', teacher], ['student', student]] as const) {
    if (!Number.isSafeInteger(value)) throw new WhittleError('invalid-argument', `an output index must be an integer, got ${describeValue(value)}`, { field: `${field}.${name}` });
  }
  return { teacher, student };
}

/** Throws a WhittleError naming `field` unless `value` is a finite number in [minimum, maximum] (exclusive of `minimum` when `open`). */
export function checkNumber(value: unknown, field: string, minimum: number, maximum: number, open = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum || value > maximum || (open && value === minimum)) {
    const low = open ? `(${minimum}` : `[${minimum}`;
    throw new WhittleError('invalid-argument', `must be a finite number in ${low}, ${maximum}], got ${describeValue(value)}`, { field });
  }
  return value;
}

/** Throws a WhittleError naming `field` unless `tensor` is a float tensor of logits `[batch, classes]`. */
export function checkLogits(tensor: tf.Tensor, field: string): void {
  if (tensor.isDisposed) throw new WhittleError('invalid-argument', 'the tensor is already disposed', { field });
  if (tensor.rank !== 2 || tensor.shape[1] === 0) throw new WhittleError('invalid-argument', `expected logits [batch, classes], got shape [${tensor.shape.join(', ')}]`, { field });
}

/** Throws a WhittleError naming `field` unless the student's shape is the teacher's. */
export function checkSameShape(teacher: readonly number[], student: readonly number[], field: string): void {
  if (teacher.length !== student.length || teacher.some((size, axis) => size !== student[axis])) {
    throw new WhittleError('invalid-argument', `shape [${student.join(', ')}] does not match the teacher's [${teacher.join(', ')}]`, { field });
  }
}
