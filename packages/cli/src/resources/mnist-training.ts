/**
 * `--data mnist` for steps that train (`prune.gradual`): labelled MNIST digits from
 * `@whittle/bench` as the `training` resource, for classifiers of flat 784-pixel images with 10
 * outputs.
 */
import type { Digits } from '@whittle/bench';
import { hostTensor } from '@whittle/core';
import type { Batch } from '@whittle/core/runner';
import { classificationLoss, type TrainingData } from '@whittle/core';
import { loadBench } from '../load-bench.ts';

/**
 * How many digits `--data mnist` trains on, and the seed of the shuffle that picks them: the
 * same shuffle as the calibration digits and the demo's split, so the 2,000 digits after these
 * are held out for testing.
 */
export const MNIST_TRAINING = { digits: 8000, seed: 7 } as const;

/** Digit classes: one output each. */
const CLASSES = 10;

/**
 * The `training` resource of {@link MNIST_TRAINING}'s digits: batches of `[rows, 784]` grey
 * levels in 0–1 with one-hot `[rows, 10]` targets, and a cross-entropy loss that takes the
 * model's 10 outputs as logits, or as probabilities when they are (a softmax last layer).
 * `digits` are all 10,000 (loaded from `@whittle/bench` when not given).
 *
 * @example
 * ```ts
 * const training = await mnistTraining();
 * await compress(model, [gradual({ finalSparsity: 0.9, endStep: 640, epochs: 10, batchSize: 100 })], { resources: { training } });
 * ```
 */
export async function mnistTraining(digits?: Digits): Promise<TrainingData> {
  const { digitBatches, loadMnistDigits, splitDigits } = await loadBench('compress --data mnist');
  const { train } = splitDigits(digits ?? (await loadMnistDigits()), { train: MNIST_TRAINING.digits, test: 0, seed: MNIST_TRAINING.seed });
  const batches: Batch[] = digitBatches(train).map((batch) => {
    const labels = (batch.targets as { data: Uint8Array }).data;
    const oneHot = new Float32Array(labels.length * CLASSES);
    labels.forEach((label, row) => {
      oneHot[row * CLASSES + label] = 1;
    });
    return { inputs: batch.inputs, targets: hostTensor('float32', [labels.length, CLASSES], oneHot) };
  });
  return { batches, loss: classificationLoss };
}
