/**
 * The `lowrank` suite's LoRA part: trainable parameters, accuracy and training time of LoRA
 * adapters against full fine-tuning of the same MLP on the same real MNIST digits.
 */
import type { ResultRow } from '../../result-row.ts';
import { MNIST_CLASSES, MNIST_IMAGE_SIZE, loadMnistDigits, splitDigits } from '../quantization/mnist-digits.ts';
import { runLoraFineTune, type LoraFineTuneOptions } from './lora-fine-tune.ts';
import type { LowrankPart } from './lowrank-part.ts';

/** The MLP, its digits and both fine-tunes, full and quick. */
const SETTINGS = {
  full: {
    digits: { train: 8000, test: 2000 },
    fineTune: { hiddenSizes: [300, 100], baseEpochs: 4, fineTuneEpochs: 3, batchSize: 128, learningRate: 2e-3, loraLearningRate: 1e-2, rank: 8, alpha: 16, seed: 1 },
  },
  quick: {
    digits: { train: 1500, test: 500 },
    fineTune: { hiddenSizes: [32], baseEpochs: 1, fineTuneEpochs: 1, batchSize: 100, learningRate: 3e-3, loraLearningRate: 1e-2, rank: 4, alpha: 8, seed: 1 },
  },
} as const satisfies Record<string, { digits: { train: number; test: number }; fineTune: LoraFineTuneOptions }>;

/**
 * The part: pre-trains an MLP on digits 0–4, fine-tunes it on all ten fully and with LoRA
 * adapters on every Dense layer, and reports for each method the parameters that trained, test
 * accuracy on all digits and on the five it never saw before, and training seconds.
 *
 * @example
 * ```ts
 * const rows = await loraPart({ quick: true, backend: 'wasm', progress: console.log });
 * ```
 */
export const loraPart: LowrankPart = async ({ quick, backend, progress }) => {
  const settings = quick ? SETTINGS.quick : SETTINGS.full;
  const { fineTune } = settings;
  const size = `mnist mlp ${[MNIST_IMAGE_SIZE, ...fineTune.hiddenSizes, MNIST_CLASSES].join('-')} rank ${fineTune.rank}`;
  progress(`lora: ${size}, ${fineTune.baseEpochs} base + ${fineTune.fineTuneEpochs} fine-tune epoch(s) on ${backend}`);
  const { train, test } = splitDigits(await loadMnistDigits(), { ...settings.digits, seed: 1 });
  const results = await runLoraFineTune(train, test, fineTune);
  const rows: ResultRow[] = [];
  for (const result of results) {
    const row = (metric: string, value: number, unit: string): ResultRow => ({ suite: 'lowrank', case: `lora ${result.method}`, backend, size, metric, value, unit });
    rows.push(
      row('trainable-params', result.trainableParams, 'params'),
      row('model-params', result.modelParams, 'params'),
      row('top1-accuracy', result.accuracy, '%'),
      row('new-digits-accuracy', result.newDigitsAccuracy, '%'),
      row('train-time', result.trainSeconds, 's'),
    );
  }
  return rows;
};
