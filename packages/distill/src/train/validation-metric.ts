/**
 * What `distill` measures on held-out data after each epoch, and which way is better.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, describeValue } from '@whittle/core';

/** The built-in validation metrics: the list {@link ValidationMetricName} comes from. */
export const VALIDATION_METRIC_NAMES = ['accuracy', 'mean-squared-error'] as const;

/** `accuracy` (top-1, a fraction from 0 to 1; higher is better) or `mean-squared-error` (lower is better). */
export type ValidationMetricName = (typeof VALIDATION_METRIC_NAMES)[number];

/**
 * A metric of the student's (last) output against a batch's labels: a built-in name, or a
 * function giving the batch's mean as a scalar (averaged over batches weighted by their samples).
 */
export type ValidationMetric = ValidationMetricName | ((outputs: tf.Tensor, labels: tf.Tensor) => tf.Scalar);

/** Whether a higher or a lower metric is better. */
export type MetricGoal = 'maximize' | 'minimize';

/**
 * The goal of `metric`: `accuracy` maximises, `mean-squared-error` minimises, and a function needs
 * `goal` given (a WhittleError otherwise).
 */
export function metricGoal(metric: unknown, goal: unknown, field: string): MetricGoal {
  if (goal !== undefined && goal !== 'maximize' && goal !== 'minimize') {
    throw new WhittleError('invalid-argument', `goal must be maximize or minimize, got ${describeValue(goal)}`, { field: `${field}.goal` });
  }
  if (metric === 'accuracy') return (goal as MetricGoal | undefined) ?? 'maximize';
  if (metric === 'mean-squared-error') return (goal as MetricGoal | undefined) ?? 'minimize';
  if (typeof metric !== 'function') {
    throw new WhittleError('invalid-argument', `metric must be ${VALIDATION_METRIC_NAMES.join(', ')} or a function (outputs, labels) => scalar, got ${describeValue(metric)}`, { field: `${field}.metric` });
  }
  if (goal === undefined) throw new WhittleError('invalid-argument', 'a metric function needs goal: maximize or minimize', { field: `${field}.goal` });
  return goal as MetricGoal;
}

/**
 * `metric` of one batch, summed over its samples (so batches of different sizes average fairly).
 *
 * @example
 * ```ts
 * const correct = metricSum('accuracy', logits, labels); // the number of right answers
 * ```
 */
export function metricSum(metric: ValidationMetric, outputs: tf.Tensor, labels: tf.Tensor, field: string): number {
  const samples = outputs.shape[0] ?? 1;
  const value = tf.tidy(() => {
    if (metric === 'accuracy') {
      if (outputs.rank !== 2) throw new WhittleError('invalid-argument', `accuracy needs outputs [batch, classes], got [${outputs.shape.join(', ')}]`, { field: `${field}.metric` });
      const predicted = tf.argMax(outputs, 1);
      let classes: tf.Tensor;
      if (labels.rank === 1 && labels.shape[0] === samples) classes = tf.cast(labels, 'int32');
      else if (labels.rank === 2 && labels.shape[0] === samples && labels.shape[1] === outputs.shape[1]) classes = tf.argMax(labels, 1);
      else throw new WhittleError('invalid-argument', `accuracy needs labels as class indices [${samples}] or one-hot [${outputs.shape.join(', ')}], got [${labels.shape.join(', ')}]`, { field: `${field}.ys` });
      return tf.sum(tf.cast(tf.equal(predicted, classes), 'float32'));
    }
    if (metric === 'mean-squared-error') {
      if (labels.rank !== outputs.rank || labels.shape.some((size, axis) => size !== outputs.shape[axis])) {
        throw new WhittleError('invalid-argument', `labels of shape [${labels.shape.join(', ')}] do not match outputs [${outputs.shape.join(', ')}]`, { field: `${field}.ys` });
      }
      return tf.mul(tf.mean(tf.squaredDifference(tf.cast(outputs, 'float32'), tf.cast(labels, 'float32'))), samples);
    }
    const result = metric(outputs, labels);
    if (!(result instanceof tf.Tensor) || result.rank !== 0) throw new WhittleError('invalid-argument', 'a metric function must return a scalar tensor', { field: `${field}.metric` });
    return tf.mul(tf.cast(result, 'float32'), samples);
  });
  const sum = value.dataSync()[0]!;
  value.dispose();
  return sum;
}
