import type * as tf from '@tensorflow/tfjs-core';
import type { Model } from '@whittle/core';
import type * as Runner from '@whittle/core/runner';

/**
 * Runs a classifier on a batch with core's runner (every encoding as what it decodes to) and
 * frees its weights again: the logits `[batch, classes]`, which the caller disposes. The runner
 * (and the tfjs-layers and tfjs-converter it brings) loads only when the demo runs; its
 * specifier is a variable, so a bundle of the CLI builds without them (as with `loadBench`).
 *
 * @example
 * ```ts
 * const logits = await predictLogits(model, inputs);
 * ```
 */
export async function predictLogits(model: Model, inputs: tf.Tensor2D): Promise<tf.Tensor2D> {
  const specifier = '@whittle/core/runner';
  const { loadRunnable } = (await import(specifier)) as typeof Runner;
  const runnable = await loadRunnable(model);
  try {
    return runnable.predict(inputs) as tf.Tensor2D;
  } finally {
    runnable.dispose();
  }
}
