import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Digits } from '@whittle/bench';
import { classificationLoss, compress, countParams, decodeToFloat32, hostTensor, loadGradients, type Model } from '@whittle/core';
import type { Batch } from '@whittle/core/runner';
import { loadBench } from '../load-bench.ts';
import type { ProgressReporter } from '../progress/progress-reporter.ts';
import type { DemoModelConfig } from './demo-config.ts';
import { DEEP_COMPRESSION_PAPER, type DemoModelResult, type DemoRow } from './demo-result.ts';
import { demoRows } from './demo-rows.ts';
import { interleavedLatency } from './interleaved-latency.ts';
import { layerRows } from './layer-rows.ts';
import { registerWasmTrainingKernels } from './register-wasm-training-kernels.ts';
import { buildLenet, DEMO_MODEL_LAYERS, type DemoModelName } from './lenet-models.ts';
import { saveAndReload } from './saved-model.ts';
import { searchDeepCompression } from './searched-deep-compression.ts';

/** What {@link runDemoModel} works on. */
export interface DemoModelRun {
  readonly name: DemoModelName;
  readonly config: DemoModelConfig;
  readonly seed: number;
  readonly train: Digits;
  readonly test: Digits;
  /** Each model is saved under `<outDirectory>/<row>/` (the baseline under `baseline/`). */
  readonly outDirectory: string;
  readonly progress: ProgressReporter;
  /** Rows to make, by name (all when absent). */
  readonly rows?: readonly string[];
}

/**
 * Trains one demo network, then makes each row with `compress`, saves it, reads it back from
 * disk and measures what was read: params, bytes (raw and gzip), test accuracy, and wasm latency
 * timed in rounds interleaved with the baseline's.
 *
 * @example
 * ```ts
 * const result = await runDemoModel({ name: 'lenet-300-100', config, seed: 42, train, test, outDirectory, progress });
 * ```
 */
export async function runDemoModel(run: DemoModelRun): Promise<DemoModelResult> {
  const { name, config, progress, test } = run;
  const train = config.trainSubset === undefined ? run.train : firstDigits(run.train, config.trainSubset);
  const { mnistAccuracy } = await loadBench('demo');
  const started = performance.now();
  const trained = await trainBaseline({ ...run, train });
  const trainSeconds = (performance.now() - started) / 1000;
  const baseline = await saveAndReload(trained, join(run.outDirectory, 'baseline'));
  const baselineAccuracy = await mnistAccuracy(baseline.model, test);
  progress.note(`${name}: baseline trained in ${trainSeconds.toFixed(1)} s, ${baselineAccuracy.toFixed(2)}% on ${test.count} test digits`);
  const training = { batches: oneHotBatches(train, config.batchSize), loss: classificationLoss };
  const stepsPerEpoch = Math.ceil(train.count / config.batchSize);
  const rows: DemoRow[] = [];
  const baselineLatencies: number[] = [];
  for (const planned of demoRows(config, stepsPerEpoch)) {
    const rowName = planned.name;
    if (run.rows !== undefined && !run.rows.includes(rowName)) continue;
    const rowStarted = performance.now();
    const searched =
      'searched' in planned
        ? await searchDeepCompression({ baseline: baseline.model, baselineBytes: baseline.bytes, config, train, stepsPerEpoch, scratchDirectory: join(run.outDirectory, `${rowName}-search`), progress, label: name })
        : undefined;
    const recipe = 'recipe' in planned ? planned.recipe : searched!.recipe;
    const { model } = await compress(baseline.model, recipe, {
      resources: { training },
      onProgress: ({ kind, param, done, total }) => progress.update(done, total, `${name} ${rowName}: ${kind} ${param}`),
    });
    const saved = await saveAndReload(model, join(run.outDirectory, rowName));
    const accuracy = await mnistAccuracy(saved.model, test);
    const seconds = await interleavedLatency(baseline.model, saved.model, test, { rows: config.latency.batch, runs: config.latency.runs });
    baselineLatencies.push(seconds.baseline);
    rows.push({
      name: rowName,
      recipe: recipe as unknown,
      params: countParams(saved.model),
      nonzero: nonzeroCount(saved.model),
      bytes: saved.bytes,
      gzipBytes: saved.gzipBytes,
      ratio: saved.bytes > 0 ? baseline.bytes / saved.bytes : null,
      accuracy,
      accuracyChange: accuracy - baselineAccuracy,
      latencyMs: finiteOrNull(1000 * seconds.candidate),
      speedup: seconds.candidate > 0 ? finiteOrNull(seconds.baseline / seconds.candidate) : null,
      layers: rowName.startsWith('deep-compression') ? layerRows(baseline.model, saved.model, DEMO_MODEL_LAYERS[name], DEEP_COMPRESSION_PAPER[name].layers) : [],
      ...(searched === undefined ? {} : { budgetBytes: searched.budgetBytes }),
    });
    const row = rows.at(-1)!;
    progress.note(
      `${name} ${rowName}: ${(row.ratio ?? 0).toFixed(1)}× smaller, ${accuracy.toFixed(2)}% (${formatChange(row.accuracyChange)}) in ${((performance.now() - rowStarted) / 1000).toFixed(1)} s`,
    );
  }
  return {
    name,
    baseline: {
      params: countParams(baseline.model),
      bytes: baseline.bytes,
      gzipBytes: baseline.gzipBytes,
      accuracy: baselineAccuracy,
      latencyMs: baselineLatencies.length === 0 ? null : finiteOrNull(1000 * median(baselineLatencies)),
    },
    rows,
    training: { digits: train.count, epochs: config.epochs, seconds: trainSeconds },
  };
}

/** The network trained from its seeded initialisation with Adam on the training digits, unshuffled (so a run repeats exactly). */
async function trainBaseline(run: DemoModelRun): Promise<Model> {
  const { config, train, progress } = run;
  await loadGradients();
  registerWasmTrainingKernels();
  const layers = await buildLenet(run.name, run.seed);
  const images = tf.tensor2d(train.images, [train.count, 784]);
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(train.labels, 'int32'), 10));
  const batchesPerEpoch = Math.ceil(train.count / config.batchSize);
  try {
    layers.compile({ optimizer: tf.train.adam(config.learningRate), loss: (targets: tf.Tensor, logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(targets, logits) });
    // Step by step on contiguous slices: what fit does unshuffled, without its per-batch gather
    // (the wasm GatherV2 of a batch of 100 digits cost about a sixth of a LeNet-300-100 step).
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      for (let batch = 0; batch < batchesPerEpoch; batch++) {
        const start = batch * config.batchSize;
        const rows = Math.min(config.batchSize, train.count - start);
        const inputs = tf.slice(images, [start, 0], [rows, 784]);
        const targets = tf.slice(labels, [start, 0], [rows, 10]);
        try {
          await layers.trainOnBatch(inputs, targets);
        } finally {
          tf.dispose([inputs, targets]);
        }
        progress.update(epoch * batchesPerEpoch + batch + 1, config.epochs * batchesPerEpoch, `${run.name}: training baseline, batch`);
      }
    }
    // Through a variable, so a bundle of the CLI does not take in the runner (and tfjs-layers).
    const runner = '@whittle/core/runner';
    const { fromLayersModel } = (await import(runner)) as typeof import('@whittle/core/runner');
    return await fromLayersModel(layers);
  } finally {
    images.dispose();
    labels.dispose();
    layers.dispose();
  }
}

/** Training batches of `digits`: `[rows, 784]` images with one-hot `[rows, 10]` targets, in order. */
function oneHotBatches(digits: Digits, batchSize: number): Batch[] {
  const targets = new Float32Array(digits.count * 10);
  digits.labels.forEach((label, row) => {
    targets[row * 10 + label] = 1;
  });
  const batches: Batch[] = [];
  for (let start = 0; start < digits.count; start += batchSize) {
    const rows = Math.min(batchSize, digits.count - start);
    batches.push({
      inputs: hostTensor('float32', [rows, 784], digits.images.subarray(start * 784, (start + rows) * 784)),
      targets: hostTensor('float32', [rows, 10], targets.subarray(start * 10, (start + rows) * 10)),
    });
  }
  return batches;
}

function firstDigits(digits: Digits, count: number): Digits {
  const kept = Math.min(count, digits.count);
  return { images: digits.images.subarray(0, kept * 784), labels: digits.labels.subarray(0, kept), count: kept };
}

function nonzeroCount(model: Model): number {
  let nonzero = 0;
  for (const param of model.params.values()) {
    const values = decodeToFloat32(param.value).data;
    for (let element = 0; element < values.length; element++) if (values[element] !== 0) nonzero++;
  }
  return nonzero;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function formatChange(points: number): string {
  return `${points >= 0 ? '+' : ''}${points.toFixed(2)} points`;
}
