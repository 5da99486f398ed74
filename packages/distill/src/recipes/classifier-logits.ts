/**
 * Logits of a classifier's outputs whatever its last layer: the Hinton loss softens logits, and a
 * model that ends in a softmax gives probabilities instead.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Rows within this of summing to 1 (and non-negative) are read as probabilities. */
const PROBABILITY_TOLERANCE = 1e-3;
/** The smallest probability taken the log of, so a zero gives a large negative logit, not -Infinity. */
const SMALLEST_PROBABILITY = 1e-7;

/**
 * `outputs` as logits: rows that are probabilities (non-negative, summing to 1, as a softmax
 * layer gives) become their logs, which softmax maps back to the same probabilities; any other row
 * is taken as logits already. The test of each row has no gradient; the chosen branch does.
 *
 * @example
 * ```ts
 * classifierLogits(tf.tensor2d([[0.5, 0.5]])); // [[log 0.5, log 0.5]]: softmax gives 0.5, 0.5 back
 * ```
 */
export function classifierLogits(outputs: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const axis = outputs.rank - 1;
    const values = tf.cast(outputs, 'float32');
    // Read back and made afresh, so the test of each row stays off the gradient tape (tfjs has
    // no gradient for its comparisons).
    const rows = tf.tidy(() =>
      tf.logicalAnd(tf.all(tf.greaterEqual(values, 0), axis, true), tf.less(tf.abs(tf.sub(tf.sum(values, axis, true), 1)), PROBABILITY_TOLERANCE)).dataSync(),
    );
    const isProbability = tf.tensor(rows, [...values.shape.slice(0, axis), 1], 'bool');
    const logs = tf.log(tf.clipByValue(values, SMALLEST_PROBABILITY, 1));
    return tf.where(tf.broadcastTo(isProbability, values.shape), logs, values);
  });
}
