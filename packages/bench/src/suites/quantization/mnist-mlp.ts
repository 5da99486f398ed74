import * as tf from '@tensorflow/tfjs-core';
import { hostTensor, loadGradients, type Model } from '@whittle/core';
import type { Batch } from '@whittle/core/runner';
import { MNIST_CLASSES, MNIST_IMAGE_SIZE, type Digits } from './mnist-digits.ts';

/** How to train {@link trainMnistMlp}'s classifier. */
export interface MnistMlpOptions {
  /** Widths of the ReLU hidden layers; the output layer gives 10 logits. */
  readonly hiddenSizes: readonly number[];
  readonly epochs: number;
  readonly batchSize: number;
  /** Adam's learning rate. */
  readonly learningRate: number;
  /** Seed of the weight initialisation (training itself is deterministic: no shuffling, no dropout). */
  readonly seed: number;
  /**
   * Called after each training batch with the batches done and the batches in all epochs, for
   * progress output; training is the same with or without it.
   */
  readonly onBatch?: (done: number, total: number) => void;
}

/** A trained MNIST classifier, as a whittle Model. */
export interface MnistMlp {
  /**
   * The trained weights: a Keras `Sequential` topology of `Dense` layers `dense_1`, `dense_2`, …
   * (ReLU, then linear logits) and params named as tfjs saves them (`dense_1/kernel`).
   */
  readonly model: Model;
  /** Training time, in seconds. */
  readonly trainSeconds: number;
  /** Top-1 accuracy, in percent, of `candidate` (this model's topology, any encodings) on `digits`, run by the runner. */
  accuracy(candidate: Model, digits: Digits): Promise<number>;
  /** Frees the tfjs model it was trained as. */
  dispose(): void;
}

/**
 * Trains an MLP classifier on MNIST digits with tfjs-layers on the current backend: He-normal
 * ReLU hidden layers, linear logits, softmax cross-entropy, Adam, seeded and unshuffled so a run
 * repeats exactly. Import cost stays off `@whittle/bench` until called (tfjs-layers loads lazily).
 *
 * @example
 * ```ts
 * const { train, test } = splitDigits(await loadMnistDigits(), { train: 8000, test: 2000, seed: 1 });
 * const mlp = await trainMnistMlp(train, { hiddenSizes: [128], epochs: 3, batchSize: 128, learningRate: 2e-3, seed: 1 });
 * console.log(await mlp.accuracy(mlp.model, test)); // about 93
 * mlp.dispose();
 * ```
 */
export async function trainMnistMlp(train: Digits, options: MnistMlpOptions): Promise<MnistMlp> {
  const tfl = await import('@tensorflow/tfjs-layers');
  // Training needs tfjs's gradients (tfjs-layers registers them as it loads; this makes sure).
  await loadGradients();
  const widths = [...options.hiddenSizes, MNIST_CLASSES];
  const layers = tfl.sequential({
    name: 'mnist_mlp',
    layers: widths.map((units, index) =>
      tfl.layers.dense({
        name: `dense_${index + 1}`,
        units,
        activation: index < widths.length - 1 ? 'relu' : 'linear',
        kernelInitializer: tfl.initializers.heNormal({ seed: options.seed + index }),
        ...(index === 0 ? { inputShape: [MNIST_IMAGE_SIZE] } : {}),
      }),
    ),
  });
  layers.compile({
    optimizer: tf.train.adam(options.learningRate),
    loss: (labels: tf.Tensor, logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, logits),
  });
  const images = imageTensor(train);
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(train.labels, 'int32'), MNIST_CLASSES));
  const started = performance.now();
  try {
    const { onBatch } = options;
    const batchesPerEpoch = Math.ceil(train.count / options.batchSize);
    const totalBatches = batchesPerEpoch * options.epochs;
    let epoch = 0;
    await layers.fit(images, labels, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      shuffle: false,
      verbose: 0,
      ...(onBatch === undefined
        ? {}
        : {
            callbacks: {
              onEpochBegin: async (index: number) => {
                epoch = index;
              },
              onBatchEnd: async (batch: number) => onBatch(epoch * batchesPerEpoch + batch + 1, totalBatches),
            },
          }),
    });
  } finally {
    images.dispose();
    labels.dispose();
  }
  const trainSeconds = (performance.now() - started) / 1000;
  const { fromLayersModel } = await import('@whittle/core/runner');
  const model = await fromLayersModel(layers);
  return {
    model,
    trainSeconds,
    accuracy: (candidate, digits) => mnistAccuracy(candidate, digits),
    dispose: () => layers.dispose(),
  };
}

/** Rows per batch when a model runs on digits: bounds the activations held at once. */
const DIGIT_BATCH = 500;

/**
 * MNIST digits as the runner's batches: images `[rows, 784]` and labels as class indices, up to
 * {@link DIGIT_BATCH} digits a batch (views of `digits`, no copy), from the first `count` digits.
 *
 * @example
 * ```ts
 * const accuracy = await runnable.evaluate(digitBatches(test), 'accuracy');
 * ```
 */
export function digitBatches(digits: Digits, count = digits.count): Batch[] {
  const batches: Batch[] = [];
  for (let start = 0; start < Math.min(count, digits.count); start += DIGIT_BATCH) {
    const rows = Math.min(DIGIT_BATCH, count - start, digits.count - start);
    batches.push({
      inputs: hostTensor('float32', [rows, MNIST_IMAGE_SIZE], digits.images.subarray(start * MNIST_IMAGE_SIZE, (start + rows) * MNIST_IMAGE_SIZE)),
      targets: hostTensor('uint8', [rows], digits.labels.subarray(start, start + rows)),
    });
  }
  return batches;
}

/**
 * Top-1 accuracy, in percent, of a classifier of MNIST images (any whittle Model that runs: a
 * Keras or graph topology taking `[batch, 784]`, any encodings) on `digits`.
 *
 * @example
 * ```ts
 * await mnistAccuracy(model, test); // about 95
 * ```
 */
export async function mnistAccuracy(model: Model, digits: Digits): Promise<number> {
  // Loaded when called, as tfjs-layers is: importing the bench costs neither.
  const { loadRunnable } = await import('@whittle/core/runner');
  const runnable = await loadRunnable(model);
  try {
    return 100 * (await runnable.evaluate(digitBatches(digits), 'accuracy'));
  } finally {
    runnable.dispose();
  }
}

function imageTensor(digits: Digits): tf.Tensor2D {
  return tf.tensor2d(digits.images, [digits.count, MNIST_IMAGE_SIZE]);
}
