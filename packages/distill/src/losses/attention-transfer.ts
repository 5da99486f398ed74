/**
 * Attention transfer (Zagoruyko and Komodakis 2017, "Paying More Attention to Attention"): the
 * student's convolutional feature maps learn where the teacher's are active.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, describeValue } from '@whittle/core';
import { checkNumber, checkOutputChoice, checkSameShape, pickOutput, type DistillationLoss, type OutputChoice } from './distillation-loss.ts';

/** Options of {@link attentionTransfer}. */
export interface AttentionTransferOptions {
  /** β: the loss's weight (the paper's β/2 factor is applied). Default 1000, the paper's. */
  readonly beta?: number;
  /** Which outputs are the feature maps, for models with several. Default the first of each. */
  readonly outputs?: OutputChoice;
}

/** Keeps the normalisation of an all-zero map finite (its attention is then all zero). */
const EPSILON = 1e-12;

/**
 * Attention-transfer loss between feature maps `[batch, height, width, channels]` (channels last,
 * as tfjs-layers' Conv2D gives them) of the same spatial size; the channel counts may differ.
 * Each map becomes its spatial attention Σ_c |A_c|², flattened and divided by its L2 norm; the
 * loss is β/2 times the squared L2 distance between student and teacher attention, averaged over
 * the batch and the positions (as the authors' code does). Labels are not used.
 *
 * @example
 * ```ts
 * const loss = attentionTransfer({ beta: 1000 });
 * loss(teacherFeatureMaps, studentFeatureMaps); // a scalar ≥ 0
 * ```
 */
export function attentionTransfer(options: AttentionTransferOptions = {}): DistillationLoss {
  if (typeof options !== 'object' || options === null) throw new WhittleError('invalid-argument', `attentionTransfer options must be an object, got ${describeValue(options)}`, { field: 'options' });
  const beta = checkNumber(options.beta ?? 1000, 'beta', 0, Number.MAX_VALUE);
  const outputs = checkOutputChoice(options.outputs, 'outputs', 0);
  return (teacherOutputs, studentOutputs) => {
    const teacher = pickOutput(teacherOutputs, outputs.teacher, 'teacherOutputs');
    const student = pickOutput(studentOutputs, outputs.student, 'studentOutputs');
    for (const [tensor, field] of [[teacher, 'teacherOutputs'], [student, 'studentOutputs']] as const) {
      if (tensor.rank !== 4) throw new WhittleError('invalid-argument', `expected feature maps [batch, height, width, channels], got shape [${tensor.shape.join(', ')}]`, { field });
    }
    checkSameShape(teacher.shape.slice(0, 3), student.shape.slice(0, 3), 'studentOutputs');
    return tf.tidy(() => {
      const difference = tf.sub(attentionMap(tf.cast(student, 'float32')), attentionMap(tf.cast(teacher, 'float32')));
      return tf.mul(tf.mean(tf.square(difference)), beta / 2) as tf.Scalar;
    });
  };
}

/**
 * The normalised spatial attention of feature maps `[batch, height, width, channels]`:
 * Σ_c |A_c|², flattened to `[batch, height·width]`, each row divided by its L2 norm.
 *
 * @example
 * ```ts
 * attentionMap(featureMaps); // [batch, height * width], rows of unit length
 * ```
 */
export function attentionMap(featureMaps: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const [batch, height, width] = featureMaps.shape as [number, number, number, number];
    const energy = tf.reshape(tf.sum(tf.square(featureMaps), -1), [batch, height * width]);
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(energy), -1, true), EPSILON));
    return tf.div(energy, norm) as tf.Tensor2D;
  });
}
