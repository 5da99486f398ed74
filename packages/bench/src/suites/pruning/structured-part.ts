import { countParams, modelByteLength, type Model } from '@whittle/core';
import { pruneStructured } from '@whittle/prune';
import type { ResultRow } from '../../result-row.ts';
import { MNIST_CLASSES, MNIST_IMAGE_SIZE, loadMnistDigits, splitDigits, type Digits } from '../quantization/mnist-digits.ts';
import { mnistAccuracy, trainMnistMlp } from '../quantization/mnist-mlp.ts';
import { digitForwardSeconds } from '../classifier-runs.ts';
import type { PruningPart } from './pruning-part.ts';
import { fineTune, trainMnistCnn } from './structured-models.ts';
import { FULL_STRUCTURED_PLAN, QUICK_STRUCTURED_PLAN, type StructuredBenchPlan } from './structured-plan.ts';

/** The fraction of channels removed from every prunable group. */
const SPARSITY = 0.5;

/**
 * Structured pruning of half the channels of every prunable group (`prune.structured`, L1) of
 * an MLP and a small CNN trained on real MNIST digits. Per model, on the suite's backend: top-1
 * accuracy on held-out digits before, right after pruning and after a short fine-tune through
 * core's runner; params and bytes; and the latency of one forward pass of the dense and the
 * pruned model, both loaded by stock `tf.loadLayersModel`, timed in interleaved rounds (median),
 * with the speed-up dense / pruned.
 *
 * @example
 * ```ts
 * const rows = await structuredPart({ quick: true, backend: 'wasm', progress: console.log });
 * ```
 */
export const structuredPart: PruningPart = async ({ quick, backend, progress }) => {
  const plan = quick ? QUICK_STRUCTURED_PLAN : FULL_STRUCTURED_PLAN;
  progress(`structured: load MNIST digits (${plan.train} to train, ${plan.test} to test)`);
  const { train, test } = splitDigits(await loadMnistDigits(), { train: plan.train, test: plan.test, seed: 2 });
  const rows: ResultRow[] = [];

  const mlpSize = `mnist mlp ${[MNIST_IMAGE_SIZE, ...plan.mlpHidden, MNIST_CLASSES].join('-')}`;
  progress(`structured: train ${mlpSize} for ${plan.epochs} epoch(s) on ${backend}`);
  const mlp = await trainMnistMlp(train, {
    hiddenSizes: plan.mlpHidden,
    epochs: plan.epochs,
    batchSize: plan.batchSize,
    learningRate: plan.learningRate,
    seed: 1,
  });
  try {
    rows.push(...(await structuredRows(mlpSize, mlp.model, plan.mlpLatencyRows, { train, test, plan, backend, progress })));
  } finally {
    mlp.dispose();
  }

  const cnnSize = `mnist cnn ${plan.cnnFilters.map((filters) => `c${filters}`).join('-')}-d${plan.cnnDense}`;
  progress(`structured: train ${cnnSize} for ${plan.cnnEpochs} epoch(s) on ${backend}`);
  const cnn = await trainMnistCnn(train, plan, 1);
  rows.push(...(await structuredRows(cnnSize, cnn, plan.cnnLatencyRows, { train, test, plan, backend, progress })));
  return rows;
};

interface RowContext {
  readonly train: Digits;
  readonly test: Digits;
  readonly plan: StructuredBenchPlan;
  readonly backend: string;
  readonly progress: (message: string) => void;
}

async function structuredRows(size: string, dense: Model, latencyRows: number, context: RowContext): Promise<ResultRow[]> {
  const { train, test, plan, backend, progress } = context;
  const pruneCase = `structured-${SPARSITY * 100}%`;
  const row = (name: string, metric: string, value: number, unit: string, rowBackend = 'js'): ResultRow => ({
    suite: 'pruning',
    case: name,
    backend: rowBackend,
    size,
    metric,
    value,
    unit,
  });
  progress(`structured: prune ${SPARSITY * 100}% of the channels of ${size}`);
  const { model: pruned } = pruneStructured(dense, { sparsity: SPARSITY });
  progress(`structured: fine-tune the pruned ${size} for ${plan.fineTuneEpochs} epoch(s)`);
  const tuned = await fineTune(pruned, train, plan);

  progress(`structured: time ${size} dense and pruned on ${backend}, ${plan.runs} interleaved rounds`);
  const latency = await digitForwardSeconds({ dense, pruned: tuned }, test, latencyRows, plan);
  const latencyMetric = `latency-batch-${latencyRows}`;
  return [
    row('dense', 'top1-accuracy', await mnistAccuracy(dense, test), '%', backend),
    row('dense', 'params', countParams(dense), 'params'),
    row('dense', 'model-size', modelByteLength(dense) / 1000, 'kB'),
    row('dense', latencyMetric, latency.dense * 1000, 'ms', backend),
    row(pruneCase, 'top1-accuracy', await mnistAccuracy(pruned, test), '%', backend),
    row(`${pruneCase}-finetuned`, 'top1-accuracy', await mnistAccuracy(tuned, test), '%', backend),
    row(pruneCase, 'params', countParams(pruned), 'params'),
    row(pruneCase, 'model-size', modelByteLength(pruned) / 1000, 'kB'),
    row(pruneCase, latencyMetric, latency.pruned * 1000, 'ms', backend),
    row(pruneCase, 'speedup', latency.dense / latency.pruned, 'x', backend),
  ];
}

