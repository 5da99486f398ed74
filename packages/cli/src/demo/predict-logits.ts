import type * as tf from '@tensorflow/tfjs-core';
import type { Model } from '@whittle/core';

/**
 * Runs a classifier on a batch with core's runner (every encoding as what it decodes to) and
 * frees its weights again: the logits `[batch, classes]`, which the caller disposes. The runner
 * (and the tfjs-layers it brings) loads only when the demo runs.
 *
 * @example
 * ```ts
 * const logits = await predictLogits(model, inputs);
 * ```
 */
export async function predictLogits(model: Model, inputs: tf.Tensor2D): Promise<tf.Tensor2D> {
  const { loadRunnable } = await import('@whittle/core/runner');
  const runnable = await loadRunnable(model);
  try {
    return runnable.predict(inputs) as tf.Tensor2D;
  } finally {
    runnable.dispose();
  }
}
