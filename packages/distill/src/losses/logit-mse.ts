/**
 * Logit matching (Ba and Caruana 2014): the student regresses the teacher's logits directly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '@whittle/core';
import { checkOutputChoice, checkSameShape, pickOutput, type DistillationLoss, type OutputChoice } from './distillation-loss.ts';

/** Options of {@link logitMse}. */
export interface LogitMseOptions {
  /** Which outputs to compare, for models with several. Default the last of each. */
  readonly outputs?: OutputChoice;
}

/**
 * Mean squared error between teacher and student outputs of the same shape, over every element.
 * Labels are not used.
 *
 * @example
 * ```ts
 * const loss = logitMse();
 * loss(teacherLogits, studentLogits); // mean((z_t − z_s)²)
 * ```
 */
export function logitMse(options: LogitMseOptions = {}): DistillationLoss {
  if (typeof options !== 'object' || options === null) throw new WhittleError('invalid-argument', 'logitMse options must be an object', { field: 'options' });
  const outputs = checkOutputChoice(options.outputs, 'outputs');
  return (teacherOutputs, studentOutputs) => {
    const teacher = pickOutput(teacherOutputs, outputs.teacher, 'teacherOutputs');
    const student = pickOutput(studentOutputs, outputs.student, 'studentOutputs');
    checkSameShape(teacher.shape, student.shape, 'studentOutputs');
    return tf.tidy(() => tf.mean(tf.squaredDifference(tf.cast(teacher, 'float32'), tf.cast(student, 'float32'))) as tf.Scalar);
  };
}
