import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { WhittleError, decode, fromTensor, loadGradients, modelFromTensors, toTensor, type HostTensor, type Model } from '@whittle/core';
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

/** A trained MNIST classifier, as a whittle Model and runnable on the current backend. */
export interface MnistMlp {
  /**
   * The trained weights: a Keras `Sequential` topology of `Dense` layers `dense_1`, `dense_2`, …
   * (ReLU, then linear logits) and params named as tfjs saves them (`dense_1/kernel`).
   */
  readonly model: Model;
  /** Training time, in seconds. */
  readonly trainSeconds: number;
  /** Top-1 accuracy, in percent, of `candidate` (this model's topology, any encodings) on `digits`. */
  accuracy(candidate: Model, digits: Digits): Promise<number>;
  /**
   * What each Dense kernel sees on the first `count` images of `digits` in the trained float
   * model, `[count, inputs]` by kernel name: calibration for GPTQ.
   */
  layerInputs(digits: Digits, count: number): Promise<Record<string, HostTensor>>;
  /** Frees the tfjs model. */
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
  const named: Array<readonly [string, HostTensor]> = [];
  for (const weight of layers.weights) named.push([weight.originalName, await fromTensor(weight.read())]);
  const model = modelFromTensors(named, { topology: layers.toJSON(null, false) });
  return {
    model,
    trainSeconds,
    accuracy: (candidate, digits) => accuracy(layers, candidate, digits),
    layerInputs: (digits, count) => layerInputs(layers, digits, count),
    dispose: () => layers.dispose(),
  };
}

async function accuracy(layers: LayersModel, candidate: Model, digits: Digits): Promise<number> {
  const original = layers.getWeights();
  const weights = layers.weights.map(({ originalName }) => {
    const param = candidate.params.get(originalName);
    if (param === undefined) throw new WhittleError('invalid-model', `missing param ${originalName}`, { field: 'params' });
    return toTensor(decode(param.value));
  });
  try {
    layers.setWeights(weights);
    const predicted = tf.tidy(() => tf.argMax(layers.predict(imageTensor(digits)) as tf.Tensor2D, 1));
    const classes = await predicted.data();
    predicted.dispose();
    let correct = 0;
    for (let index = 0; index < digits.count; index++) if (classes[index] === digits.labels[index]) correct++;
    return (100 * correct) / digits.count;
  } finally {
    // The trained weights go back, so every candidate starts from the same model.
    layers.setWeights(original);
    tf.dispose(weights);
  }
}

async function layerInputs(layers: LayersModel, digits: Digits, count: number): Promise<Record<string, HostTensor>> {
  const inputs: Record<string, HostTensor> = {};
  let activations = tf.tensor2d(digits.images.subarray(0, count * MNIST_IMAGE_SIZE), [count, MNIST_IMAGE_SIZE]);
  try {
    for (const layer of layers.layers) {
      inputs[`${layer.name}/kernel`] = await fromTensor(activations);
      const next = tf.tidy(() => layer.apply(activations) as tf.Tensor2D);
      activations.dispose();
      activations = next;
    }
  } finally {
    activations.dispose();
  }
  return inputs;
}

function imageTensor(digits: Digits): tf.Tensor2D {
  return tf.tensor2d(digits.images, [digits.count, MNIST_IMAGE_SIZE]);
}
