import * as tf from '@tensorflow/tfjs-core';

/** How closely a candidate model's outputs follow a reference model's on the same inputs. */
export interface OutputAgreement {
  /** Share of inputs whose top-1 class is the same, in percent. */
  readonly top1AgreementPercent: number;
  /** Largest absolute difference between any two corresponding logits. */
  readonly logitsMaxAbsDiff: number;
}

/**
 * Compares two `[batch, classes]` logits tensors: top-1 agreement and max abs difference.
 *
 * @example
 * ```ts
 * const { top1AgreementPercent } = await outputAgreement(referenceLogits, candidateLogits);
 * ```
 */
export async function outputAgreement(reference: tf.Tensor2D, candidate: tf.Tensor2D): Promise<OutputAgreement> {
  const [agreement, difference] = tf.tidy(() => [
    tf.mean(tf.cast(tf.equal(tf.argMax(reference, 1), tf.argMax(candidate, 1)), 'float32')),
    tf.max(tf.abs(tf.sub(reference, candidate))),
  ]) as [tf.Scalar, tf.Scalar];
  try {
    const [agreed = Number.NaN] = await agreement.data();
    const [maximum = Number.NaN] = await difference.data();
    return { top1AgreementPercent: 100 * agreed, logitsMaxAbsDiff: maximum };
  } finally {
    agreement.dispose();
    difference.dispose();
  }
}
