/**
 * The gradual-pruning part of the `pruning` suite: unstructured magnitude pruning of a trained
 * LeNet-300-100 and a small CNN (real MNIST digits), one-shot against gradual with retraining.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WEIGHT_ROLES, classificationLoss, decodeToFloat32, selectParams, type BackendName, type Model } from '@whittle/core';
import { constantSchedule, magnitudeMasks, polynomialSchedule, stripPruning, trainPruned, type PolynomialSchedule } from '@whittle/prune';
import type { ResultRow } from '../../result-row.ts';
import { loadMnistDigits, splitDigits, type Digits } from '../quantization/mnist-digits.ts';
import { mnistAccuracy } from '../quantization/mnist-mlp.ts';
import { ARCHITECTURE_SIZES, GRADUAL_ARCHITECTURES, oneHotBatches, untrainedClassifier, type GradualArchitecture } from './gradual-models.ts';
import type { PruningPart, PruningPartContext } from './pruning-part.ts';

/** How the part trains, prunes and retrains. */
export interface GradualPlan {
  /** Training digits, then held-out test digits (seeded split of the 10,000). */
  readonly train: number;
  readonly test: number;
  readonly batchSize: number;
  /** Epochs per architecture: training the baseline, raising sparsity (0 → target, cubic), then holding it. */
  readonly epochs: Readonly<Record<GradualArchitecture, { readonly baseline: number; readonly prune: number; readonly recover: number }>>;
  /** Adam's learning rate for the baseline, and for retraining. */
  readonly learningRate: number;
  readonly retrainLearningRate: number;
  /** Target sparsities of the kernels (biases stay dense). */
  readonly sparsities: readonly number[];
  /** Mask updates per epoch while sparsity rises. */
  readonly updatesPerEpoch: number;
}

/** A few minutes on 2 cores. */
export const FULL_GRADUAL_PLAN: GradualPlan = {
  train: 8000,
  test: 2000,
  batchSize: 100,
  epochs: { 'lenet-300-100': { baseline: 10, prune: 6, recover: 4 }, cnn: { baseline: 4, prune: 2, recover: 1 } },
  learningRate: 1e-3,
  retrainLearningRate: 5e-4,
  sparsities: [0.5, 0.8, 0.9, 0.92, 0.95],
  updatesPerEpoch: 4,
};

/** Seconds. */
export const QUICK_GRADUAL_PLAN: GradualPlan = {
  train: 1000,
  test: 500,
  batchSize: 100,
  epochs: { 'lenet-300-100': { baseline: 2, prune: 1, recover: 1 }, cnn: { baseline: 1, prune: 1, recover: 0 } },
  learningRate: 1e-3,
  retrainLearningRate: 5e-4,
  sparsities: [0.5, 0.9],
  updatesPerEpoch: 2,
};

/**
 * Rows per architecture and case (`baseline`, `one-shot N%`, `gradual N%`): top-1 accuracy on
 * the held-out digits, the kernels' sparsity, and the bytes of the saved TFJS model (model.json
 * plus weight shards as `writeTfjsArtifacts` writes them) raw and gzipped with node:zlib (level
 * 9, each file on its own, as a server sends them). Magnitudes are ranked globally across the
 * kernels; pruned kernels are stored by `stripPruning` in the smallest sparse form. Gradual
 * pruning starts from the baseline and retrains with Adam while the sparsity rises on the cubic
 * schedule, then holds it. The loss is softmax cross-entropy on the logits (`classificationLoss`).
 *
 * @example
 * ```ts
 * const rows = await gradualPart({ quick: true, backend: 'wasm', progress: console.log });
 * ```
 */
export const gradualPart: PruningPart = async (context) => {
  const plan = context.quick ? QUICK_GRADUAL_PLAN : FULL_GRADUAL_PLAN;
  context.progress(`gradual: load MNIST digits (${plan.train} train, ${plan.test} test)`);
  const { train, test } = splitDigits(await loadMnistDigits(), { train: plan.train, test: plan.test, seed: 7 });
  const rows: ResultRow[] = [];
  for (const architecture of GRADUAL_ARCHITECTURES) rows.push(...(await architectureRows(architecture, context.backend, plan, train, test, context)));
  return rows;
};

async function architectureRows(
  architecture: GradualArchitecture,
  backend: BackendName,
  plan: GradualPlan,
  train: Digits,
  test: Digits,
  context: PruningPartContext,
): Promise<ResultRow[]> {
  const size = ARCHITECTURE_SIZES[architecture];
  const epochs = plan.epochs[architecture];
  const data = oneHotBatches(train, plan.batchSize);
  const stepsPerEpoch = data.length;
  const rows: ResultRow[] = [];
  const row = (name: string, metric: string, value: number, unit: string, rowBackend = 'js'): ResultRow => ({
    suite: 'pruning',
    case: name,
    backend: rowBackend,
    size,
    metric,
    value,
    unit,
  });
  const measure = async (name: string, model: Model, extra: ResultRow[] = []): Promise<void> => {
    const bytes = await savedBytes(model);
    rows.push(
      row(name, 'top1-accuracy', await mnistAccuracy(model, test), '%', backend),
      row(name, 'kernel-sparsity', 100 * kernelSparsity(model), '%'),
      row(name, 'saved-model-size', bytes.raw / 1000, 'kB'),
      row(name, 'saved-model-gzip-size', bytes.gzip / 1000, 'kB'),
      ...extra,
    );
  };
  const fit = async (model: Model, schedule: PolynomialSchedule, count: number, learningRate: number) => {
    const optimizer = tf.train.adam(learningRate);
    const started = performance.now();
    try {
      const result = await trainPruned(model, { schedule, data, loss: classificationLoss, optimizer, epochs: count, scope: 'global' });
      return { ...result, seconds: (performance.now() - started) / 1000 };
    } finally {
      optimizer.dispose();
    }
  };

  context.progress(`gradual: train ${size} for ${epochs.baseline} epoch(s) on ${backend}`);
  const baseline = await fit(await untrainedClassifier(architecture, 1), constantSchedule(0), epochs.baseline, plan.learningRate);
  await measure('baseline', baseline.model, [row('baseline', 'train-time', baseline.seconds, 's', backend)]);
  const kernels = selectParams(baseline.model, {}, WEIGHT_ROLES);
  const weights = kernels.map((param) => decodeToFloat32(param.value).data);
  for (const sparsity of plan.sparsities) {
    const percent = `${Math.round(100 * sparsity)}%`;
    const masks = magnitudeMasks(weights, weights.map((values) => new Uint8Array(values.length).fill(1)), sparsity, 'global');
    await measure(`one-shot ${percent}`, stripPruning(baseline.model, new Map(kernels.map((param, index) => [param.name, masks[index]!]))));
    context.progress(`gradual: ${size} to ${percent} over ${epochs.prune} + ${epochs.recover} epoch(s)`);
    const schedule = polynomialSchedule({
      finalSparsity: sparsity,
      endStep: epochs.prune * stepsPerEpoch,
      frequency: Math.max(1, Math.floor(stepsPerEpoch / plan.updatesPerEpoch)),
    });
    const retrained = await fit(baseline.model, schedule, epochs.prune + epochs.recover, plan.retrainLearningRate);
    await measure(`gradual ${percent}`, stripPruning(retrained.model, retrained.masks), [row(`gradual ${percent}`, 'retrain-time', retrained.seconds, 's', backend)]);
  }
  return rows;
}

/** Zero elements of the model's kernels (every weight role), as a fraction of their elements. */
function kernelSparsity(model: Model): number {
  let zeros = 0;
  let total = 0;
  for (const param of selectParams(model, {}, WEIGHT_ROLES)) {
    const values = decodeToFloat32(param.value).data;
    total += values.length;
    for (const value of values) if (value === 0) zeros++;
  }
  return total === 0 ? 0 : zeros / total;
}

/** Bytes of the saved TFJS model (model.json and its shards), raw and each file gzipped. */
async function savedBytes(model: Model): Promise<{ raw: number; gzip: number }> {
  const [{ writeTfjsArtifacts }, { gzipSync }] = await Promise.all([import('@whittle/core/tfjs'), import('node:zlib')]);
  const { modelJson, shards } = writeTfjsArtifacts(model);
  const files = [new TextEncoder().encode(JSON.stringify(modelJson)), ...shards.map((shard) => shard.bytes)];
  return {
    raw: files.reduce((sum, file) => sum + file.length, 0),
    gzip: files.reduce((sum, file) => sum + gzipSync(file, { level: 9 }).length, 0),
  };
}
