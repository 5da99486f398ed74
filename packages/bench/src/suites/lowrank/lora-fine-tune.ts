/**
 * LoRA against full fine-tuning on real MNIST digits: an MLP trained on digits 0–4 is adapted to
 * all ten, once with every weight training and once with rank-r adapters alone.
 */
import * as tf from '@tensorflow/tfjs-core';
import { countParams, type Model } from '@whittle/core';
import { MNIST_IMAGE_SIZE, type Digits } from '../quantization/mnist-digits.ts';
import { mnistAccuracy, trainMnistMlp } from '../quantization/mnist-mlp.ts';
import { oneHotBatches } from '../pruning/structured-models.ts';

/** Sizes of {@link runLoraFineTune}. */
export interface LoraFineTuneOptions {
  /** Widths of the MLP's hidden layers. */
  readonly hiddenSizes: readonly number[];
  /** Epochs of pre-training on digits 0–4. */
  readonly baseEpochs: number;
  /** Epochs of fine-tuning on all ten digits, the same for both methods. */
  readonly fineTuneEpochs: number;
  readonly batchSize: number;
  /** Adam's learning rate for full fine-tuning. */
  readonly learningRate: number;
  /** Adam's learning rate for the adapters (LoRA usually takes a larger one). */
  readonly loraLearningRate: number;
  readonly rank: number;
  readonly alpha: number;
  readonly seed: number;
}

/** One way of fine-tuning, measured. */
export interface FineTuneRow {
  readonly method: 'base (digits 0–4)' | 'full fine-tune' | 'LoRA';
  /** Parameters that train (all of them for full fine-tuning; the adapters for LoRA). */
  readonly trainableParams: number;
  /** Parameters of the model that runs afterwards (LoRA merged into the kernels: as many as the base). */
  readonly modelParams: number;
  /** Top-1 accuracy in percent on the test digits, all ten classes. */
  readonly accuracy: number;
  /** Top-1 accuracy in percent on the test digits 5–9, which the base never saw. */
  readonly newDigitsAccuracy: number;
  readonly trainSeconds: number;
}

/**
 * Pre-trains an MLP on the digits 0–4 of `train`, then fine-tunes it on all of `train` fully and
 * with LoRA adapters on every Dense layer, and measures each on `test`.
 *
 * @example
 * ```ts
 * const { train, test } = splitDigits(await loadMnistDigits(), { train: 8000, test: 2000, seed: 1 });
 * const rows = await runLoraFineTune(train, test, { hiddenSizes: [128], baseEpochs: 3, fineTuneEpochs: 2, batchSize: 128, learningRate: 2e-3, loraLearningRate: 1e-2, rank: 8, alpha: 16, seed: 1 });
 * ```
 */
export async function runLoraFineTune(train: Digits, test: Digits, options: LoraFineTuneOptions): Promise<FineTuneRow[]> {
  const { addLora } = await import('@whittle/lowrank');
  const { loadTrainable } = await import('@whittle/core/runner');
  const firstHalf = selectDigits(train, (label) => label < 5);
  const newDigits = selectDigits(test, (label) => label >= 5);
  const base = await trainMnistMlp(firstHalf, { hiddenSizes: options.hiddenSizes, epochs: options.baseEpochs, batchSize: options.batchSize, learningRate: options.learningRate, seed: options.seed });
  const rows: FineTuneRow[] = [];
  try {
    const modelParams = countParams(base.model);
    const measure = async (method: FineTuneRow['method'], model: Model, trainableParams: number, trainSeconds: number): Promise<void> => {
      rows.push({ method, trainableParams, modelParams, accuracy: await mnistAccuracy(model, test), newDigitsAccuracy: await mnistAccuracy(model, newDigits), trainSeconds });
    };
    await measure('base (digits 0–4)', base.model, modelParams, base.trainSeconds);
    const batches = oneHotBatches(train, options.batchSize);
    const loss = (targets: tf.Tensor, logits: tf.Tensor): tf.Tensor => tf.losses.softmaxCrossEntropy(targets, logits);

    const full = await loadTrainable(base.model);
    const fullOptimizer = tf.train.adam(options.learningRate);
    try {
      const started = performance.now();
      await full.fit(batches, { epochs: options.fineTuneEpochs, optimizer: fullOptimizer, loss });
      const seconds = (performance.now() - started) / 1000;
      await measure('full fine-tune', await full.toModel(), modelParams, seconds);
    } finally {
      full.dispose();
      fullOptimizer.dispose();
    }

    const lora = await addLora(base.model, { rank: options.rank, alpha: options.alpha, seed: options.seed });
    const loraOptimizer = tf.train.adam(options.loraLearningRate);
    try {
      const started = performance.now();
      await lora.fit(batches, { epochs: options.fineTuneEpochs, optimizer: loraOptimizer, loss });
      const seconds = (performance.now() - started) / 1000;
      await measure('LoRA', await lora.merge(), lora.trainableParamCount, seconds);
    } finally {
      lora.dispose();
      loraOptimizer.dispose();
    }
  } finally {
    base.dispose();
  }
  return rows;
}

/** The digits whose label passes `keep`, copied. */
function selectDigits(digits: Digits, keep: (label: number) => boolean): Digits {
  const indices: number[] = [];
  for (let index = 0; index < digits.count; index++) if (keep(digits.labels[index]!)) indices.push(index);
  const images = new Float32Array(indices.length * MNIST_IMAGE_SIZE);
  const labels = new Uint8Array(indices.length);
  for (const [row, index] of indices.entries()) {
    images.set(digits.images.subarray(index * MNIST_IMAGE_SIZE, (index + 1) * MNIST_IMAGE_SIZE), row * MNIST_IMAGE_SIZE);
    labels[row] = digits.labels[index]!;
  }
  return { images, labels, count: indices.length };
}
