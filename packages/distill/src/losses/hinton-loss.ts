/**
 * Hinton, Vinyals and Dean 2015, "Distilling the Knowledge in a Neural Network": the student
 * matches the teacher's softened class probabilities, blended with the hard labels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '@whittle/core';
import { checkLogits, checkNumber, checkOutputChoice, checkSameShape, pickOutput, type DistillationLoss, type OutputChoice } from './distillation-loss.ts';

/** Options of {@link hintonLoss}. */
export interface HintonLossOptions {
  /** T: both softmaxes are taken of logits / T; above 1 softens them. Default 4. */
  readonly temperature?: number;
  /** α: the weight of the hard-label cross-entropy, from 0 (soft targets only) to 1 (labels only). Default 0.1. */
  readonly alpha?: number;
  /** Which outputs hold the logits, for models with several. Default the last of each. */
  readonly outputs?: OutputChoice;
}

/**
 * The knowledge-distillation loss of Hinton et al.:
 * `α·CE(y, σ(z_s)) + (1 − α)·T²·KL(σ(z_t/T) ‖ σ(z_s/T))`, averaged over the batch. The T² factor
 * keeps the soft term's gradients the same size whatever T. Computed from log-softmax, so logits
 * of ±1e4 give finite values and gradients. Logits are `[batch, classes]`; labels one-hot
 * `[batch, classes]` or class indices `[batch]`, needed when α > 0.
 *
 * @example
 * ```ts
 * const loss = hintonLoss({ temperature: 4, alpha: 0.1 });
 * const value = loss(teacherLogits, studentLogits, oneHotLabels); // a scalar
 * optimizer.minimize(() => loss(teacherLogits, student.apply(images) as tf.Tensor, oneHotLabels));
 * ```
 */
export function hintonLoss(options: HintonLossOptions = {}): DistillationLoss {
  if (typeof options !== 'object' || options === null) throw new WhittleError('invalid-argument', 'hintonLoss options must be an object', { field: 'options' });
  const temperature = checkNumber(options.temperature ?? 4, 'temperature', 0, Number.MAX_VALUE, true);
  const alpha = checkNumber(options.alpha ?? 0.1, 'alpha', 0, 1);
  const outputs = checkOutputChoice(options.outputs, 'outputs');
  return (teacherOutputs, studentOutputs, labels) => {
    const teacher = pickOutput(teacherOutputs, outputs.teacher, 'teacherOutputs');
    const student = pickOutput(studentOutputs, outputs.student, 'studentOutputs');
    checkLogits(teacher, 'teacherOutputs');
    checkLogits(student, 'studentOutputs');
    checkSameShape(teacher.shape, student.shape, 'studentOutputs');
    if (alpha > 0 && labels === undefined) throw new WhittleError('invalid-argument', 'labels are needed when alpha > 0', { field: 'labels' });
    return tf.tidy(() => {
      const soft = tf.mul(softTargetDivergence(tf.cast(teacher, 'float32'), tf.cast(student, 'float32'), temperature), temperature * temperature);
      if (alpha === 0) return tf.mul(soft, 1) as tf.Scalar;
      const hard = crossEntropy(oneHotLabels(labels!, student), tf.cast(student, 'float32'));
      return tf.add(tf.mul(hard, alpha), tf.mul(soft, 1 - alpha)) as tf.Scalar;
    });
  };
}

/**
 * KL(σ(z_t/T) ‖ σ(z_s/T)) averaged over the batch, without the T² factor: always ≥ 0, and 0 when
 * the logits are equal.
 *
 * @example
 * ```ts
 * softTargetDivergence(teacherLogits, studentLogits, 4).dataSync()[0]; // ≥ 0
 * ```
 */
export function softTargetDivergence(teacherLogits: tf.Tensor, studentLogits: tf.Tensor, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const logTeacher = tf.logSoftmax(tf.div(teacherLogits, temperature));
    const logStudent = tf.logSoftmax(tf.div(studentLogits, temperature));
    return tf.mean(tf.sum(tf.mul(tf.exp(logTeacher), tf.sub(logTeacher, logStudent)), -1)) as tf.Scalar;
  });
}

/**
 * Softmax cross-entropy of logits against one-hot targets, averaged over the batch, from
 * log-softmax (finite for any finite logits).
 *
 * @example
 * ```ts
 * crossEntropy(tf.oneHot(labels, 10), logits);
 * ```
 */
export function crossEntropy(oneHot: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), -1))) as tf.Scalar);
}

/** Labels as one-hot float32 `[batch, classes]`, from one-hot or class indices `[batch]`. */
function oneHotLabels(labels: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  const [batch, classes] = logits.shape as [number, number];
  if (!(labels instanceof tf.Tensor) || labels.isDisposed) throw new WhittleError('invalid-argument', 'labels must be a tensor', { field: 'labels' });
  if (labels.rank === 2 && labels.shape[0] === batch && labels.shape[1] === classes) return tf.cast(labels, 'float32');
  if (labels.rank === 1 && labels.shape[0] === batch) {
    const indices = labels.dataSync();
    for (const index of indices) {
      if (!Number.isInteger(index) || index < 0 || index >= classes) throw new WhittleError('invalid-argument', `a class index must be an integer in [0, ${classes}), got ${index}`, { field: 'labels' });
    }
    return tf.cast(tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, classes), 'float32');
  }
  throw new WhittleError('invalid-argument', `labels must be one-hot [${batch}, ${classes}] or class indices [${batch}], got [${labels.shape.join(', ')}]`, { field: 'labels' });
}
