import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { useBackend } from '@whittle/core';
// Side effects: add the recipe kinds the demo's rows use to core's registry.
import '@whittle/quantize/register';
import '@whittle/prune/register';
import '@whittle/lowrank/register';
import '@whittle/distill/register';
import { Option, type Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { DEMO_CONFIG, QUICK_DEMO_CONFIG, type DemoConfig } from '../demo/demo-config.ts';
import { writeDemoReportFiles } from '../demo/demo-report-files.ts';
import type { DemoModelResult, DemoResult } from '../demo/demo-result.ts';
import { DEMO_MODEL_NAMES, type DemoModelName } from '../demo/lenet-models.ts';
import { runDemoModel } from '../demo/run-demo-model.ts';
import { formatDemoResult } from '../format/demo-report.ts';
import { loadBench } from '../load-bench.ts';
import { createProgressReporter } from '../progress/progress-reporter.ts';
import { CLI_BACKENDS, type CliBackend } from './backend-option.ts';

/** Options of `whittle demo`. */
export interface DemoCommandOptions {
  /** One network, or `all` (the default). */
  readonly model?: DemoModelName | 'all';
  /** Print {@link DemoResult} as JSON instead of the tables. */
  readonly json?: boolean;
  /** Where every row's model is saved (kept); absent: a temporary directory, removed at the end. */
  readonly out?: string;
  /** Shorter schedules: the same rows in a fraction of the time. */
  readonly quick?: boolean;
  /** The tfjs backend everything runs on; `wasm` by default. */
  readonly backend?: CliBackend;
}

/** What a test may change besides the options: the schedules, and which rows to make. */
export interface DemoOverrides {
  /** Schedules and digits in place of `DEMO_CONFIG` or `QUICK_DEMO_CONFIG`. */
  readonly config?: DemoConfig;
  /** Only the rows of these names. */
  readonly rows?: readonly string[];
}

/**
 * The demo: trains LeNet-300-100 and LeNet-5 on a seeded split of the `mnist` package's 10,000
 * digits, compresses each with every demo row's recipe through `compress`, saves every model,
 * reads it back from disk and measures what was read (bytes, accuracy, wasm latency against the
 * baseline). Prints a table, or {@link DemoResult} as JSON with `json`; progress goes to stderr.
 *
 * @example
 * ```ts
 * const result = await runDemo({ model: 'lenet-300-100', quick: true, json: true }, processIo());
 * result.models[0]?.rows[0]?.ratio;
 * ```
 */
export async function runDemo(options: DemoCommandOptions, io: CliIo, overrides: DemoOverrides = {}): Promise<DemoResult> {
  const config = overrides.config ?? (options.quick === true ? QUICK_DEMO_CONFIG : DEMO_CONFIG);
  const names = options.model === undefined || options.model === 'all' ? DEMO_MODEL_NAMES : [options.model];
  const { loadMnistDigits, splitDigits } = await loadBench('demo');
  await useBackend(options.backend ?? 'wasm');
  const { train, test } = splitDigits(await loadMnistDigits(), { train: config.trainDigits, test: config.testDigits, seed: config.splitSeed });
  const outDirectory = options.out === undefined ? await mkdtemp(join(tmpdir(), 'whittle-demo-')) : resolve(options.out);
  const progress = createProgressReporter(io, { prefix: 'demo' });
  const models: DemoModelResult[] = [];
  try {
    for (const name of names) {
      models.push(
        await runDemoModel({
          name,
          config: config.models[name],
          seed: config.seed,
          train,
          test,
          outDirectory: join(outDirectory, name),
          progress,
          ...(overrides.rows === undefined ? {} : { rows: overrides.rows }),
        }),
      );
    }
  } finally {
    progress.close();
    if (options.out === undefined) await rm(outDirectory, { recursive: true, force: true });
  }
  const result: DemoResult = { dataset: { name: 'mnist', train: train.count, test: test.count }, models };
  if (options.out !== undefined) await writeDemoReportFiles(result, outDirectory);
  io.stdout(options.json === true ? `${JSON.stringify(result, null, 2)}\n` : `${formatDemoResult(result)}\n`);
  return result;
}

/** Adds `whittle demo` to a commander program. */
export function addDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('train LeNet-300-100 and LeNet-5 on MNIST digits, compress them every way (Deep Compression included), save, reload and compare')
    .addOption(new Option('--model <name>', 'which network').choices([...DEMO_MODEL_NAMES, 'all']).default('all'))
    .option('--json', 'print the result as JSON')
    .option('--out <dir>', 'keep every model (and the report) under this directory; default: a temporary directory, removed')
    .option('--quick', 'shorter schedules (LeNet-5 on 2,000 training digits): the same rows in a fraction of the time')
    .addOption(new Option('--backend <name>', 'tfjs backend to run on').choices(CLI_BACKENDS).default('wasm'))
    .action(async (options: DemoCommandOptions) => {
      await runDemo(options, io);
    });
}
