import * as tf from '@tensorflow/tfjs-core';
import type { BackendStatus } from '@whittle/bench';
import { countParams, useBackend } from '@whittle/core';
// Side effect: adds the quantize.* recipe kinds the demo's variants use to core's registry.
import '@whittle/quantize/register';
import '@whittle/prune/register';
import { Option, type Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { evaluateVariant, type VariantResult } from '../demo/evaluate-variant.ts';
import { predictLogits } from '../demo/predict-logits.ts';
import { DEMO_TRAINING, trainedClassifier } from '../demo/trained-classifier.ts';
import { DEMO_VARIANTS } from '../demo/variants.ts';
import { formatDemoReport } from '../format/demo-report.ts';
import { loadBench } from '../load-bench.ts';
import { createProgressReporter } from '../progress/progress-reporter.ts';
import { CLI_BACKENDS, type CliBackend } from './backend-option.ts';

/** Options of `whittle demo`. */
export interface DemoCommandOptions {
  readonly backend?: CliBackend;
  readonly json?: boolean;
}

/** What `whittle demo` prints. */
export interface DemoReport {
  readonly backend: BackendStatus;
  readonly model: { readonly layers: readonly number[]; readonly params: number; readonly seed: number };
  /** How the reference model was trained: MNIST digits from the `mnist` package, Adam. */
  readonly training: {
    readonly digits: number;
    readonly epochs: number;
    readonly batchSize: number;
    readonly learningRate: number;
    readonly seconds: number;
  };
  /** The held-out MNIST digits every variant is tested on, split off with `seed`. */
  readonly inputs: { readonly digits: number; readonly seed: number };
  /** In JSON, a figure that is not finite (an exact variant's SQNR, Infinity) is null. */
  readonly variants: readonly VariantResult[];
}

/**
 * The demo: trains an MLP classifier on MNIST digits (bundled, seeded: the same model every
 * run), runs it through `compress` with each demo recipe, and prints size, weight error, test
 * accuracy and agreement with the float32 model per variant (a table, or JSON with `json`).
 * Everything is computed; nothing is canned.
 *
 * @example
 * ```ts
 * const report = await runDemo({ backend: 'wasm', json: true }, processIo());
 * report.variants[4]?.top1AccuracyPercent;
 * ```
 */
export async function runDemo(options: DemoCommandOptions, io: CliIo): Promise<DemoReport> {
  const { MNIST_CLASSES, MNIST_IMAGE_SIZE } = await loadBench('demo');
  const backend = await useBackend(options.backend ?? 'wasm');
  // Progress on stderr (a bar on a terminal, plain lines otherwise, nothing with --quiet).
  const progress = createProgressReporter(io, { prefix: 'demo' });
  const variants: VariantResult[] = [];
  let trained;
  try {
    trained = await trainedClassifier(DEMO_TRAINING, (done, total) => progress.update(done, total, 'training: batch'));
    progress.note(`trained in ${trained.trainSeconds.toFixed(1)} s`);
    const { model, test } = trained;
    const inputs = tf.tensor2d(test.images, [test.count, MNIST_IMAGE_SIZE]);
    let logits: tf.Tensor2D | undefined;
    try {
      logits = await predictLogits(model, inputs);
      for (const variant of DEMO_VARIANTS) {
        variants.push(
          await evaluateVariant(
            variant,
            { model, inputs, labels: test.labels, logits },
            { onProgress: ({ param, done, total }) => progress.update(done, total, `${variant.name}: ${param}`) },
          ),
        );
      }
    } finally {
      inputs.dispose();
      logits?.dispose();
    }
  } finally {
    progress.close();
  }
  const { model, test, trainSeconds } = trained;
  const report: DemoReport = {
    backend: { name: backend.name, simd: backend.simd, threads: backend.threads },
    model: {
      layers: [MNIST_IMAGE_SIZE, ...DEMO_TRAINING.hiddenSizes, MNIST_CLASSES],
      params: countParams(model),
      seed: DEMO_TRAINING.seed,
    },
    training: {
      digits: DEMO_TRAINING.trainDigits,
      epochs: DEMO_TRAINING.epochs,
      batchSize: DEMO_TRAINING.batchSize,
      learningRate: DEMO_TRAINING.learningRate,
      seconds: trainSeconds,
    },
    inputs: { digits: test.count, seed: DEMO_TRAINING.splitSeed },
    variants,
  };
  io.stdout(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${formatDemoReport(report)}\n`);
  return report;
}

/** Adds `whittle demo` to a commander program. */
export function addDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('train an MLP on MNIST digits, compress it with each demo recipe and compare it with the original')
    .addOption(new Option('--backend <name>', 'tfjs backend to run on').choices(CLI_BACKENDS).default('wasm'))
    .option('--json', 'print the report as JSON')
    .action(async (options: DemoCommandOptions) => {
      await runDemo(options, io);
    });
}
