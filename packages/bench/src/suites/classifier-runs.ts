/**
 * What several suites do with a classifier: train it through core's runner, and time forward
 * passes of models loaded by stock tfjs-layers against each other.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Model } from '@whittle/core';
import type { BatchData } from '@whittle/core/runner';
import { whittleIOHandler } from '@whittle/core/tfjs';
import { measureInterleaved } from '../measure-interleaved.ts';
import { MNIST_IMAGE_SIZE, type Digits } from './quantization/mnist-digits.ts';

/**
 * `model` trained on `batches` (inputs with one-hot targets) for `epochs` through core's
 * runner, with Adam at `learningRate` and softmax cross-entropy on its logits.
 *
 * @example
 * ```ts
 * const tuned = await trainClassifier(model, oneHotBatches(train, 128), { learningRate: 1e-3, epochs: 1 });
 * ```
 */
export async function trainClassifier(
  model: Model,
  batches: BatchData,
  options: { readonly learningRate: number; readonly epochs: number }
): Promise<Model> {
  const { loadTrainable } = await import('@whittle/core/runner');
  const trainable = await loadTrainable(model);
  const optimizer = tf.train.adam(options.learningRate);
  try {
    await trainable.fit(batches, {
      epochs: options.epochs,
      optimizer,
      loss: (targets, logits) => tf.losses.softmaxCrossEntropy(targets, logits),
    });
    return await trainable.toModel();
  } finally {
    trainable.dispose();
    optimizer.dispose();
  }
}

/**
 * Median seconds of one forward pass of each of `models` on `inputs` (read back each time),
 * each loaded by stock `tf.loadLayersModel` through whittle's IO handler, in interleaved rounds.
 *
 * @example
 * ```ts
 * const seconds = await interleavedForwardSeconds({ dense, pruned }, inputs, { warmup: 3, runs: 15 });
 * ```
 */
export async function interleavedForwardSeconds<Name extends string>(
  models: Readonly<Record<Name, Model>>,
  inputs: tf.Tensor,
  options: { readonly warmup: number; readonly runs: number }
): Promise<Record<Name, number>> {
  const tfl = await import('@tensorflow/tfjs-layers');
  const names = Object.keys(models) as Name[];
  const loaded = await Promise.all(names.map((name) => tfl.loadLayersModel(whittleIOHandler(models[name]))));
  try {
    const tasks = Object.fromEntries(
      names.map((name, index) => [
        name,
        async () => {
          const output = loaded[index]!.predict(inputs) as tf.Tensor;
          await output.data();
          output.dispose();
        },
      ])
    ) as Record<Name, () => Promise<void>>;
    const measured = await measureInterleaved(tasks, { warmup: options.warmup, runs: options.runs });
    return Object.fromEntries(names.map((name) => [name, measured[name].median])) as Record<Name, number>;
  } finally {
    for (const layers of loaded) layers.dispose();
  }
}

/**
 * {@link interleavedForwardSeconds} on the first `rows` images of `digits` (fewer when it holds
 * fewer) as one batch.
 *
 * @example
 * ```ts
 * const seconds = await digitForwardSeconds({ original, factorized }, test, 64, { warmup: 3, runs: 25 });
 * ```
 */
export async function digitForwardSeconds<Name extends string>(
  models: Readonly<Record<Name, Model>>,
  digits: Digits,
  rows: number,
  options: { readonly warmup: number; readonly runs: number }
): Promise<Record<Name, number>> {
  const count = Math.min(rows, digits.count);
  const inputs = tf.tensor2d(digits.images.subarray(0, count * MNIST_IMAGE_SIZE), [count, MNIST_IMAGE_SIZE]);
  try {
    return await interleavedForwardSeconds(models, inputs, options);
  } finally {
    inputs.dispose();
  }
}
