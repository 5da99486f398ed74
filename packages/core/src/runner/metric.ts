/**
 * What `evaluate` measures: a built-in metric by name, or a function giving one value per sample.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '../errors.ts';

/** The built-in metrics, by name. */
export const METRIC_NAMES = ['accuracy', 'mean-squared-error'] as const;

/** One of {@link METRIC_NAMES}. */
export type MetricName = (typeof METRIC_NAMES)[number];

/**
 * A custom metric: given a batch's outputs and targets, one value per sample (`[batch]`), or one
 * value for the whole batch (a scalar, counted as each of its samples). `evaluate` averages them
 * over every sample of every batch. It runs inside `tf.tidy`; the tensors it makes are freed.
 */
export type MetricFunction = (outputs: tf.Tensor, targets: tf.Tensor) => tf.Tensor;

/**
 * What `evaluate` measures: `accuracy` (the share of samples whose highest output is the target
 * class, targets given as class indices `[batch]` or one-hot `[batch, classes]`; a fraction from
 * 0 to 1), `mean-squared-error` (over every element), or a {@link MetricFunction}.
 */
export type Metric = MetricName | MetricFunction;

/**
 * The per-sample values of `metric` on one batch, `[batch]`, in float32 (a new tensor).
 *
 * @example
 * ```ts
 * const correct = metricValues('accuracy', logits, labels); // 1 where argmax matches, else 0
 * ```
 */
export function metricValues(metric: Metric, outputs: tf.Tensor, targets: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const samples = outputs.shape[0] ?? 1;
    if (metric === 'accuracy') return accuracyValues(outputs, targets);
    if (metric === 'mean-squared-error') {
      if (!sameShape(outputs.shape, targets.shape)) {
        throw new WhittleError('invalid-argument', `targets of shape [${targets.shape.join(', ')}] do not match outputs [${outputs.shape.join(', ')}]`, { field: 'targets' });
      }
      const squared = tf.square(tf.sub(tf.cast(outputs, 'float32'), tf.cast(targets, 'float32')));
      return (squared.rank <= 1 ? squared : tf.mean(tf.reshape(squared, [samples, -1]), 1)) as tf.Tensor1D;
    }
    if (typeof metric !== 'function') {
      throw new WhittleError('invalid-argument', `metric must be ${METRIC_NAMES.join(', ')} or a function`, { field: 'metric' });
    }
    const values = metric(outputs, targets);
    if (!(values instanceof tf.Tensor) || !(values.rank === 0 || (values.rank === 1 && values.shape[0] === samples))) {
      throw new WhittleError('invalid-argument', `a metric function must return a scalar or one value per sample ([${samples}])`, { field: 'metric' });
    }
    const float = tf.cast(values, 'float32');
    return (values.rank === 0 ? tf.broadcastTo(float, [samples]) : float) as tf.Tensor1D;
  });
}

function accuracyValues(outputs: tf.Tensor, targets: tf.Tensor): tf.Tensor1D {
  if (outputs.rank !== 2) {
    throw new WhittleError('invalid-argument', `accuracy needs outputs [batch, classes], got [${outputs.shape.join(', ')}]`, { field: 'metric' });
  }
  const predicted = tf.argMax(outputs, 1);
  let classes: tf.Tensor;
  if (targets.rank === 1 && targets.shape[0] === outputs.shape[0]) classes = tf.cast(targets, 'int32');
  else if (sameShape(targets.shape, outputs.shape)) classes = tf.argMax(targets, 1);
  else {
    throw new WhittleError(
      'invalid-argument',
      `accuracy needs targets as class indices [${outputs.shape[0]}] or one-hot [${outputs.shape.join(', ')}], got [${targets.shape.join(', ')}]`,
      { field: 'targets' },
    );
  }
  return tf.cast(tf.equal(predicted, classes), 'float32') as tf.Tensor1D;
}

function sameShape(left: readonly number[], right: readonly number[]): boolean {
  return left.length === right.length && left.every((size, index) => size === right[index]);
}
