/**
 * The `lowrank` suite's factorized-MLP part: a wide MLP trained on real MNIST digits, its hidden
 * Dense layers factorized by `lowrank.svd` into stock layers at a quarter of their parameters,
 * timed against the original on the suite's backend, and fine-tuned briefly.
 */
import { compress, countParams, createRecipeRegistry, type Model } from '@whittle/core';
import { lowrankHandlers } from '@whittle/lowrank';
import type { ResultRow } from '../../result-row.ts';
import { oneHotBatches } from '../pruning/gradual-models.ts';
import { MNIST_CLASSES, MNIST_IMAGE_SIZE, loadMnistDigits, splitDigits, type Digits } from '../quantization/mnist-digits.ts';
import { mnistAccuracy, trainMnistMlp } from '../quantization/mnist-mlp.ts';
import { digitForwardSeconds, trainClassifier } from '../classifier-runs.ts';
import type { LowrankPart } from './lowrank-part.ts';

/** How the part trains, factorizes and times its MLP. */
export interface FactorizedMlpPlan {
  readonly train: number;
  readonly test: number;
  readonly hiddenSizes: readonly number[];
  readonly epochs: number;
  readonly fineTuneEpochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** The batch sizes whose latency is timed. */
  readonly latencyBatches: readonly number[];
  readonly warmup: number;
  readonly runs: number;
}

/**
 * The full plan: 784-2048-2048-10, one epoch on 3,000 digits. A training batch of this width
 * takes seconds on wasm in Node, so more digits would make the part take most of an hour.
 */
export const FULL_FACTORIZED_MLP_PLAN: FactorizedMlpPlan = {
  train: 3000,
  test: 2000,
  hiddenSizes: [2048, 2048],
  epochs: 1,
  fineTuneEpochs: 1,
  batchSize: 100,
  learningRate: 1e-3,
  latencyBatches: [1, 64],
  warmup: 3,
  runs: 25,
};

/** The quick plan: 784-256-10 on 1,500 digits, a few rounds. */
export const QUICK_FACTORIZED_MLP_PLAN: FactorizedMlpPlan = {
  train: 1500,
  test: 500,
  hiddenSizes: [256],
  epochs: 1,
  fineTuneEpochs: 1,
  batchSize: 100,
  learningRate: 2e-3,
  latencyBatches: [1, 64],
  warmup: 1,
  runs: 3,
};

/** Parameters after, as a fraction of the factorized layers' parameters before. */
export const FACTORIZED_BUDGET = 0.25;

/**
 * The `lowrank.svd` step the part runs: every hidden Dense kernel held to the budget on its own
 * by a seeded randomized SVD (the exact one takes minutes on a 2048 × 2048 kernel); the 10-way
 * output layer, a few thousand parameters, keeps its full rank, as is usual for a classifier head.
 *
 * @example
 * ```ts
 * factorizedMlpStep(3); // { kind: 'lowrank.svd', budget: 0.25, budgetScope: 'layer', …, exclude: ['dense_3/*'] }
 * ```
 */
export function factorizedMlpStep(outputLayer: number): Record<string, unknown> & { kind: string } {
  return {
    kind: 'lowrank.svd',
    budget: FACTORIZED_BUDGET,
    budgetScope: 'layer',
    method: 'randomized',
    seed: 1,
    rewrite: true,
    exclude: [`dense_${outputLayer}/*`],
  };
}

/**
 * The part: trains the MLP, factorizes it through `compress`, and reports params before and
 * after, top-1 test accuracy before, right after factorizing and after a short fine-tune of the
 * factorized model, and the latency of one forward pass per batch size of the original and the
 * factorized model (both loaded by stock `tf.loadLayersModel`, timed in interleaved rounds,
 * median), with the speed-up original / factorized.
 *
 * @example
 * ```ts
 * const rows = await factorizedMlp({ quick: true, backend: 'wasm', progress: console.log });
 * ```
 */
export const factorizedMlp: LowrankPart = async ({ quick, backend, progress }) => {
  const plan = quick ? QUICK_FACTORIZED_MLP_PLAN : FULL_FACTORIZED_MLP_PLAN;
  const size = `mnist mlp ${[MNIST_IMAGE_SIZE, ...plan.hiddenSizes, MNIST_CLASSES].join('-')}`;
  const { train, test } = splitDigits(await loadMnistDigits(), { train: plan.train, test: plan.test, seed: 1 });
  progress(`factorized mlp: train ${size} for ${plan.epochs} epoch(s) on ${backend}`);
  const mlp = await trainMnistMlp(train, { hiddenSizes: plan.hiddenSizes, epochs: plan.epochs, batchSize: plan.batchSize, learningRate: plan.learningRate, seed: 1 });
  try {
    const original = mlp.model;
    progress(`factorized mlp: lowrank.svd to ${FACTORIZED_BUDGET * 100}% of the hidden layers' params`);
    const started = performance.now();
    const { model: factorized } = await compress(original, [factorizedMlpStep(plan.hiddenSizes.length + 1)], {
      registry: createRecipeRegistry(lowrankHandlers),
    });
    const factorizeSeconds = (performance.now() - started) / 1000;
    progress(`factorized mlp: fine-tune the factorized model for ${plan.fineTuneEpochs} epoch(s)`);
    const tuned = await trainClassifier(factorized, oneHotBatches(train, plan.batchSize), { learningRate: plan.learningRate / 2, epochs: plan.fineTuneEpochs });
    const caseName = `svd-${FACTORIZED_BUDGET * 100}%`;
    const row = (name: string, metric: string, value: number, unit: string, rowBackend: string = backend): ResultRow => ({
      suite: 'lowrank',
      case: name,
      backend: rowBackend,
      size,
      metric,
      value,
      unit,
    });
    const rows: ResultRow[] = [
      row('original', 'params', countParams(original), 'params', 'js'),
      row(caseName, 'params', countParams(factorized), 'params', 'js'),
      row('original', 'top1-accuracy', await mnistAccuracy(original, test), '%'),
      row(caseName, 'top1-accuracy', await mnistAccuracy(factorized, test), '%'),
      row(`${caseName}-finetuned`, 'top1-accuracy', await mnistAccuracy(tuned, test), '%'),
      row(caseName, 'factorize-time', factorizeSeconds, 's'),
    ];
    for (const batch of plan.latencyBatches) {
      progress(`factorized mlp: time batch ${batch}, original and factorized, ${plan.runs} interleaved rounds on ${backend}`);
      const latency = await digitForwardSeconds({ original, factorized: tuned }, test, batch, plan);
      rows.push(
        row('original', `latency-batch-${batch}`, latency.original * 1000, 'ms'),
        row(caseName, `latency-batch-${batch}`, latency.factorized * 1000, 'ms'),
        row(caseName, `speedup-batch-${batch}`, latency.original / latency.factorized, 'x'),
      );
    }
    return rows;
  } finally {
    mlp.dispose();
  }
};
