/**
 * Wanda against magnitude pruning at equal sparsity on an MLP trained on real MNIST digits: each
 * Dense layer's output reconstruction error on the calibration digits, and the test accuracy of
 * the pruned model without retraining.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRecipeRegistry, compress, decode, getParam, replaceParams, selectParams, WEIGHT_ROLES, type Encoding, type HostTensor, type Model } from '@whittle/core';
import { applyMask, magnitudeScores, nmMask, perOutputMask, pruneHandlers, pruneLowest, storeSparse, wanda } from '@whittle/prune';
import type { ResultRow } from '../../result-row.ts';
import { MNIST_CLASSES, MNIST_IMAGE_SIZE, loadMnistDigits, splitDigits } from '../quantization/mnist-digits.ts';
import { digitBatches, trainMnistMlp } from '../quantization/mnist-mlp.ts';
import type { PruningPart } from './pruning-part.ts';

/** The MLP, its training and its calibration digits, full and quick. */
const SETTINGS = {
  full: { hiddenSizes: [300, 100], train: 8000, test: 2000, epochs: 4, batchSize: 128, learningRate: 0.002, calibrationSamples: 512 },
  quick: { hiddenSizes: [64], train: 2000, test: 1000, epochs: 1, batchSize: 100, learningRate: 0.003, calibrationSamples: 128 },
} as const;

/** A sparsity pattern: a fraction pruned per tensor, or N:M along each output's inputs. */
type Pattern = { readonly name: string; readonly sparsity: number } | { readonly name: string; readonly n: number; readonly m: number };

const PATTERNS: readonly Pattern[] = [
  { name: '50%', sparsity: 0.5 },
  { name: '2:4', n: 2, m: 4 },
  { name: '4:8', n: 4, m: 8 },
];

/**
 * Magnitude's keep-mask of a Dense kernel `[in, out]`: unstructured across the whole tensor
 * (`layer`, what `prune.magnitude` does per layer) or within each output unit (`output`, Wanda's
 * comparison group with |w| alone), or N:M along the inputs.
 */
function magnitudeMask(kernel: HostTensor<'float32'>, pattern: Pattern, group: 'layer' | 'output'): Uint8Array {
  const scores = magnitudeScores(kernel.data);
  if ('n' in pattern) return nmMask(scores, kernel.shape, { n: pattern.n, m: pattern.m, axis: 0 });
  if (group === 'output') return perOutputMask(scores, kernel.shape, { sparsity: pattern.sparsity, inputAxis: 0 });
  return pruneLowest(scores, Math.round(pattern.sparsity * scores.length));
}

function magnitudePruned(model: Model, pattern: Pattern, group: 'layer' | 'output'): Model {
  const updates = new Map<string, Encoding>();
  for (const param of selectParams(model, {}, WEIGHT_ROLES)) {
    const kernel = decode(param.value) as HostTensor<'float32'>;
    const pruned = { dtype: 'float32' as const, shape: [...kernel.shape], data: applyMask(kernel.data, magnitudeMask(kernel, pattern, group)) };
    updates.set(param.name, storeSparse(pruned));
  }
  return replaceParams(model, updates);
}

/** ‖X·W − X·Ŵ‖ / ‖X·W‖ in percent, on the current backend. */
function relativeOutputError(inputs: HostTensor, kernel: HostTensor, pruned: HostTensor): number {
  return tf.tidy(() => {
    const matrix = (tensor: HostTensor): tf.Tensor2D => tf.tensor2d(tensor.data as Float32Array, [tensor.shape[0]!, tensor.shape[1]!]);
    const x = matrix(inputs);
    const reference = tf.matMul(x, matrix(kernel));
    const output = tf.matMul(x, matrix(pruned));
    const error = tf.norm(tf.sub(reference, output)).dataSync()[0]!;
    return (100 * error) / tf.norm(reference).dataSync()[0]!;
  });
}

/**
 * The part: trains the MLP (LeNet-300-100 in full mode), captures each Dense layer's inputs on
 * the calibration digits, then for each pattern prunes every Dense kernel by magnitude and by
 * Wanda (`prune.wanda` through `compress`, calibrated on the same digits run through the model)
 * and reports per-layer output error, the kernels' sparsity and test accuracy.
 *
 * @example
 * ```ts
 * const rows = await wandaVersusMagnitude({ quick: true, backend: 'wasm', progress: console.log });
 * ```
 */
export const wandaVersusMagnitude: PruningPart = async ({ quick, backend, progress }) => {
  const settings = quick ? SETTINGS.quick : SETTINGS.full;
  // The calibration count is part of the size: other parts train MLPs of the same widths.
  const size = `mnist mlp ${[MNIST_IMAGE_SIZE, ...settings.hiddenSizes, MNIST_CLASSES].join('-')} calib ${settings.calibrationSamples}`;
  progress(`wanda vs magnitude: train ${size} on ${settings.train} digits for ${settings.epochs} epoch(s) on ${backend}`);
  const { train, test } = splitDigits(await loadMnistDigits(), { train: settings.train, test: settings.test, seed: 1 });
  const mlp = await trainMnistMlp(train, { ...settings, seed: 1 });
  try {
    const calibration = digitBatches(train, settings.calibrationSamples);
    const kernels = selectParams(mlp.model, {}, WEIGHT_ROLES).map(({ name }) => name);
    const { loadRunnable } = await import('@whittle/core/runner');
    const runnable = await loadRunnable(mlp.model);
    let layerInputs: Map<string, HostTensor>;
    try {
      layerInputs = await runnable.captureInputs(kernels, calibration);
    } finally {
      runnable.dispose();
    }
    const registry = createRecipeRegistry(pruneHandlers);
    const rows: ResultRow[] = [];
    const row = (name: string, metric: string, value: number, unit: string, rowBackend: string = backend): ResultRow => ({
      suite: 'pruning',
      case: name,
      backend: rowBackend,
      size,
      metric,
      value,
      unit,
    });
    rows.push(row('unpruned', 'top1-accuracy', await mlp.accuracy(mlp.model, test), '%'));
    for (const pattern of PATTERNS) {
      const candidates: Array<[string, () => Promise<Model>]> = [
        [`magnitude ${pattern.name}`, async () => magnitudePruned(mlp.model, pattern, 'layer')],
        ...('n' in pattern ? [] : [[`magnitude-per-output ${pattern.name}`, async () => magnitudePruned(mlp.model, pattern, 'output')] as [string, () => Promise<Model>]]),
        [
          `wanda ${pattern.name}`,
          async () => (await compress(mlp.model, ['n' in pattern ? wanda({ n: pattern.n, m: pattern.m }) : wanda({ sparsity: pattern.sparsity })], { registry, resources: { calibration } })).model,
        ],
      ];
      for (const [name, prune] of candidates) {
        progress(`${name} on ${size}`);
        const pruned = await prune();
        let zeros = 0;
        let total = 0;
        for (const kernel of kernels) {
          const original = decode(getParam(mlp.model, kernel).value);
          const after = decode(getParam(pruned, kernel).value);
          for (const value of after.data as Float32Array) if (value === 0) zeros++;
          total += after.data.length;
          rows.push(row(name, `output-error ${kernel}`, relativeOutputError(layerInputs.get(kernel)!, original, after), '%'));
        }
        rows.push(row(name, 'kernel-sparsity', (100 * zeros) / total, '%', 'js'));
        rows.push(row(name, 'top1-accuracy', await mlp.accuracy(pruned, test), '%'));
      }
    }
    return rows;
  } finally {
    mlp.dispose();
  }
};
