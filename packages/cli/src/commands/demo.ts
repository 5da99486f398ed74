import * as tf from '@tensorflow/tfjs-core';
import { seededRandom, type BackendStatus } from '@whittle/bench';
import { countParams, useBackend } from '@whittle/core';
import { Option, type Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { evaluateVariant, type VariantResult } from '../demo/evaluate-variant.ts';
import { predictOnce } from '../demo/dense-stack.ts';
import { DEMO_MLP, mlpClassifier } from '../demo/mlp-classifier.ts';
import { DEMO_VARIANTS } from '../demo/variants.ts';
import { formatDemoReport } from '../format/demo-report.ts';
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
  readonly inputs: { readonly batch: number; readonly seed: number };
  readonly variants: readonly VariantResult[];
}

const BATCH = 256;
const INPUT_SEED = 7;

/**
 * The demo: builds the seeded MLP classifier, runs it through `compress` with each demo recipe,
 * and prints size, weight error and output agreement per variant (a table, or JSON with
 * `json`). Everything is computed; nothing is canned.
 *
 * @example
 * ```ts
 * const report = await runDemo({ backend: 'cpu', json: true }, processIo());
 * report.variants[1]?.top1AgreementPercent;
 * ```
 */
export async function runDemo(options: DemoCommandOptions, io: CliIo): Promise<DemoReport> {
  const backend = await useBackend(options.backend ?? 'wasm');
  const model = mlpClassifier(DEMO_MLP);
  const inputSize = DEMO_MLP.inputSize;
  const inputs = tf.tensor2d(seededRandom(INPUT_SEED).uniformArray(BATCH * inputSize), [BATCH, inputSize]);
  const variants: VariantResult[] = [];
  let logits: tf.Tensor2D | undefined;
  try {
    logits = predictOnce(model, inputs);
    for (const variant of DEMO_VARIANTS) variants.push(await evaluateVariant(variant, { model, inputs, logits }));
  } finally {
    inputs.dispose();
    logits?.dispose();
  }
  const report: DemoReport = {
    backend: { name: backend.name, simd: backend.simd, threads: backend.threads },
    model: {
      layers: [inputSize, ...DEMO_MLP.hiddenSizes, DEMO_MLP.outputSize],
      params: countParams(model),
      seed: DEMO_MLP.seed,
    },
    inputs: { batch: BATCH, seed: INPUT_SEED },
    variants,
  };
  io.stdout(options.json === true ? `${JSON.stringify(report, jsonNumbers, 2)}\n` : `${formatDemoReport(report)}\n`);
  return report;
}

/** Adds `whittle demo` to a commander program. */
export function addDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('compress a seeded MLP classifier with each demo recipe and compare it with the original')
    .addOption(new Option('--backend <name>', 'tfjs backend to run on').choices(CLI_BACKENDS).default('wasm'))
    .option('--json', 'print the report as JSON')
    .action(async (options: DemoCommandOptions) => {
      await runDemo(options, io);
    });
}

/** JSON has no Infinity: an exact variant's SQNR is written as the string "Infinity". */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}
