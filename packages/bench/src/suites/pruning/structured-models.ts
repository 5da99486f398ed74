import * as tf from '@tensorflow/tfjs-core';
import { hostTensor, loadGradients, type Model } from '@whittle/core';
import type { Batch } from '@whittle/core/runner';
import { MNIST_CLASSES, MNIST_IMAGE_SIZE, type Digits } from '../quantization/mnist-digits.ts';
import { trainClassifier } from '../classifier-runs.ts';
import type { StructuredBenchPlan } from './structured-plan.ts';

/** Side of an MNIST image. */
const IMAGE_SIDE = 28;

/**
 * Trains a small CNN on MNIST digits with tfjs-layers (on the wasm backend too: core's `loadGradients` gives Conv2D a filter gradient there): the flat 784 input
 * reshaped to 28 × 28 × 1, then per entry of `plan.cnnFilters` a 3 × 3 ReLU conv and 2 × 2 max
 * pooling, a flatten, a ReLU dense layer and linear logits. Seeded and unshuffled, so a run
 * repeats exactly. Returns it as a whittle Model (Keras topology, params as tfjs names them).
 *
 * @example
 * ```ts
 * const cnn = await trainMnistCnn(train, QUICK_STRUCTURED_PLAN, 1);
 * ```
 */
export function trainMnistCnn(train: Digits, plan: StructuredBenchPlan, seed: number): Promise<Model> {
  return trainCnn(train, plan, seed);
}

async function trainCnn(train: Digits, plan: StructuredBenchPlan, seed: number): Promise<Model> {
  const tfl = await import('@tensorflow/tfjs-layers');
  await loadGradients();
  const layers: NonNullable<NonNullable<Parameters<typeof tfl.sequential>[0]>['layers']> = [
    tfl.layers.reshape({ targetShape: [IMAGE_SIDE, IMAGE_SIDE, 1], inputShape: [MNIST_IMAGE_SIZE], name: 'image' }),
  ];
  plan.cnnFilters.forEach((filters, index) => {
    layers.push(
      tfl.layers.conv2d({
        name: `conv_${index + 1}`,
        filters,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tfl.initializers.heNormal({ seed: seed + index }),
      }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: `pool_${index + 1}` }),
    );
  });
  layers.push(
    tfl.layers.flatten({ name: 'flatten' }),
    tfl.layers.dense({ name: 'dense_1', units: plan.cnnDense, activation: 'relu', kernelInitializer: tfl.initializers.heNormal({ seed: seed + 10 }) }),
    tfl.layers.dense({ name: 'logits', units: MNIST_CLASSES, kernelInitializer: tfl.initializers.heNormal({ seed: seed + 11 }) }),
  );
  const network = tfl.sequential({ name: 'mnist_cnn', layers });
  try {
    network.compile({
      optimizer: tf.train.adam(plan.learningRate),
      loss: (labels: tf.Tensor, logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, logits),
    });
    const images = tf.tensor2d(train.images, [train.count, MNIST_IMAGE_SIZE]);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(train.labels, 'int32'), MNIST_CLASSES));
    try {
      await network.fit(images, labels, { epochs: plan.cnnEpochs, batchSize: plan.batchSize, shuffle: false, verbose: 0 });
    } finally {
      tf.dispose([images, labels]);
    }
    const { fromLayersModel } = await import('@whittle/core/runner');
    return await fromLayersModel(network);
  } finally {
    network.dispose();
  }
}

/**
 * Digits as training batches for the runner's `fit`: flat images `[rows, 784]` and one-hot
 * float32 targets `[rows, 10]`, `batchSize` rows a batch.
 *
 * @example
 * ```ts
 * await trainable.fit(oneHotBatches(train, 128), { optimizer, loss });
 * ```
 */
export function oneHotBatches(digits: Digits, batchSize: number): Batch[] {
  const batches: Batch[] = [];
  for (let start = 0; start < digits.count; start += batchSize) {
    const rows = Math.min(batchSize, digits.count - start);
    const targets = new Float32Array(rows * MNIST_CLASSES);
    for (let row = 0; row < rows; row++) targets[row * MNIST_CLASSES + digits.labels[start + row]!] = 1;
    batches.push({
      inputs: hostTensor('float32', [rows, MNIST_IMAGE_SIZE], digits.images.subarray(start * MNIST_IMAGE_SIZE, (start + rows) * MNIST_IMAGE_SIZE)),
      targets: hostTensor('float32', [rows, MNIST_CLASSES], targets),
    });
  }
  return batches;
}

/**
 * `model` fine-tuned on `train` for `epochs` with Adam through core's runner (`loadTrainable`
 * → `fit` → `toModel`), softmax cross-entropy on the logits, on the current backend.
 *
 * @example
 * ```ts
 * const tuned = await fineTune(pruned, train, plan);
 * ```
 */
export function fineTune(model: Model, train: Digits, plan: StructuredBenchPlan): Promise<Model> {
  return trainClassifier(model, oneHotBatches(train, plan.batchSize), { learningRate: plan.learningRate / 2, epochs: plan.fineTuneEpochs });
}

