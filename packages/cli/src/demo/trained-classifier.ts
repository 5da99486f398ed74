import type { Digits } from '@whittle/bench';
import type { Model } from '@whittle/core';
import { loadBench } from '../load-bench.ts';

/** How the demo's classifier is trained, and on what. */
export interface DemoTraining {
  /** Widths of the ReLU hidden layers (784 inputs, 10 logits around them). */
  readonly hiddenSizes: readonly number[];
  /** Training digits, then held-out test digits, from the 10,000 MNIST digits bundled with `mnist`. */
  readonly trainDigits: number;
  readonly testDigits: number;
  readonly epochs: number;
  readonly batchSize: number;
  /** Adam's learning rate. */
  readonly learningRate: number;
  /** Seed of the weight initialisation. */
  readonly seed: number;
  /** Seed of the shuffle that splits training from test digits. */
  readonly splitSeed: number;
}

/** A 784 → 128 → 64 → 10 MLP, two epochs over 8,000 digits: a few seconds on wasm, about 15 on cpu. */
export const DEMO_TRAINING: DemoTraining = {
  hiddenSizes: [128, 64],
  trainDigits: 8000,
  testDigits: 2000,
  epochs: 2,
  batchSize: 128,
  learningRate: 0.002,
  seed: 42,
  splitSeed: 7,
};

/** The demo's reference model and the digits it is tested on. */
export interface TrainedClassifier {
  /** Keras `Sequential` topology, params `dense_1/kernel`, `dense_1/bias`, … */
  readonly model: Model;
  readonly test: Digits;
  readonly trainSeconds: number;
}

/**
 * Trains the demo's MNIST classifier on the current tfjs backend (`trainMnistMlp` from
 * `@whittle/bench`: seeded, unshuffled, so every run trains the same model) and keeps the
 * held-out test digits. Real data, so that accuracy per variant means something.
 *
 * @example
 * ```ts
 * const { model, test } = await trainedClassifier(DEMO_TRAINING);
 * ```
 */
export async function trainedClassifier(
  training: DemoTraining = DEMO_TRAINING,
  onBatch?: (done: number, total: number) => void,
): Promise<TrainedClassifier> {
  const { loadMnistDigits, splitDigits, trainMnistMlp } = await loadBench('demo');
  const { train, test } = splitDigits(await loadMnistDigits(), {
    train: training.trainDigits,
    test: training.testDigits,
    seed: training.splitSeed,
  });
  const mlp = await trainMnistMlp(train, onBatch === undefined ? training : { ...training, onBatch });
  // The weights are host data in `model` now; the tfjs model is not needed again.
  mlp.dispose();
  return { model: mlp.model, test, trainSeconds: mlp.trainSeconds };
}
