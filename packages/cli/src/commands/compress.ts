import { defaultRegistry, isWhittleError, WhittleError, type RecipeRegistry } from '@whittle/core';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import type { CompressReport } from '../compress/compress-report.ts';
import { formatCompressReport } from '../format/compress-report.ts';
import { formatBytes } from '../format/numbers.ts';
import { formatOf } from '../model-files/model-format.ts';
import { locateModel } from '../model-files/model-location.ts';
import { resolveOutput } from '../model-files/output-path.ts';
import { createProgressReporter } from '../progress/progress-reporter.ts';
import { compressPaths } from '../onnx/transformers-js-output.ts';
import { inFile } from '../recipe/located-error.ts';
import { RECIPE_PRESET_NAMES, RECIPE_PRESETS } from '../recipe/presets.ts';
import { presetRecipe, readRecipe, type LoadedRecipe } from '../recipe/read-recipe.ts';
import { checkFlagResources, resourcesFromFlags, startBackendForSteps, type ResourceFlags } from '../resources/compress-resources.ts';
import { DATA_NAMES } from '../resources/mnist-calibration.ts';

/** Options of `whittle compress`: exactly one of `recipe` and `preset`. */
export interface CompressCommandOptions extends ResourceFlags {
  /** A recipe JSON file, or inline JSON: an array of steps or one step. */
  readonly recipe?: string;
  /** A preset's name (see `RECIPE_PRESETS`). */
  readonly preset?: string;
  /** The output: a directory for TFJS input, a .safetensors file (or a directory) for safetensors. */
  readonly output?: string;
  /** Write `onnx/<name>_<dtype>.onnx` beside the input, as transformers.js names its files, instead of `output`. */
  readonly transformersJs?: boolean;
  readonly json?: boolean;
  readonly force?: boolean;
  /** Weight shard size of TFJS output in bytes (the option takes MiB). */
  readonly shardSize?: number;
}

/**
 * Runs a recipe (or a preset) on the model at `path` through core's registry and writes the
 * result: TFJS artifacts in, TFJS artifacts out (a directory); safetensors in, safetensors out,
 * streamed one param at a time when every step allows it. The recipe is checked before the model
 * is read, its filters against the model's params before anything is computed, and the output
 * before anything is written: never the input, and an existing one only with `force`. Prints the
 * sizes and steps (a table, or JSON with `json`); progress goes to stderr (none when
 * `io.progress` is false).
 *
 * @example
 * ```ts
 * const report = await runCompress('in', { preset: 'float16', output: 'out' }, processIo());
 * report.ratio; // about 2
 * ```
 */
export async function runCompress(path: string, options: CompressCommandOptions, io: CliIo): Promise<CompressReport> {
  const recipe = await loadRecipe(options);
  const paths = await compressPaths(path, options);
  const resources = await resourcesFromFlags(options);
  checkFlagResources(recipe.steps, resources);
  await startBackendForSteps(recipe.steps);
  const location = await locateModel(paths.input);
  const format = formatOf(location);
  if (!format.writesShards && options.shardSize !== undefined) {
    throw new WhittleError('invalid-argument', `a ${format.name} output is one file; --shard-size applies to TFJS output only`, { field: '--shard-size' });
  }
  const force = options.force === true;
  // The writers make the output's folder, and remove it again if the write fails.
  const output = await resolveOutput(location, paths.output, { force });
  const progress = createProgressReporter(io, { prefix: 'compress' });
  const stepCount = recipe.steps.length;
  let report: CompressReport;
  try {
    report = await inRecipe(
      recipe,
      format.compress(location, output, recipe.steps, {
        force,
        resources,
        ...(options.shardSize === undefined ? {} : { shardBytes: options.shardSize }),
        note: (message) => progress.note(message),
        // A recipe run step by step over the whole model says which step; a streamed one, the param.
        onProgress: ({ step, kind, param, done, total }) =>
          progress.update(done, total, step === undefined ? param : `step ${step}/${stepCount} ${kind}: ${param}`),
        onStep: (step) => progress.note(`${step.kind}: ${formatBytes(step.bytesBefore)} → ${formatBytes(step.bytesAfter)} in ${step.seconds.toFixed(3)} s`),
      }),
    );
  } finally {
    progress.close();
  }
  const written = format.writtenPath(output);
  io.stdout(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${formatCompressReport({ input: paths.input, output: written, report })}\n`);
  return report;
}

/** Adds `whittle compress` to a commander program. */
export function addCompressCommand(program: Command, io: CliIo): void {
  program
    .command('compress')
    .description('run a recipe or a preset on a TFJS model or safetensors file and write the result')
    .argument('<model>', 'a model.json, a directory holding one, or a .safetensors file')
    .addOption(new Option('--preset <name>', 'a named recipe (listed below)').choices(RECIPE_PRESET_NAMES).conflicts('recipe'))
    .option('--recipe <recipe>', 'a recipe JSON file, or inline JSON: an array of steps or one step')
    .option('-o, --output <path>', 'where to write: a directory for TFJS, a .safetensors file for safetensors, a .onnx file for ONNX')
    .addOption(
      new Option('--transformers-js', "ONNX: write onnx/<name>_<dtype>.onnx beside the input's config.json, the file transformers.js loads for the preset's dtype (instead of -o)").conflicts(
        'output',
      ),
    )
    .option('--json', 'print the report as JSON')
    .option('--force', 'replace an existing output (never the input)')
    .option('--shard-size <MiB>', 'weight shard size of TFJS output, in MiB (default 4)', parseShardSize)
    .option('--calibration <file>', 'calibration inputs for quantize.gptq and prune.wanda: a safetensors file (tensor "inputs": model inputs; else layer inputs by param name)')
    .addOption(new Option('--data <name>', 'take data from a dataset: 512 MNIST digits as calibration for quantize.gptq and prune.wanda, 8,000 labelled ones as prune.gradual training').choices(DATA_NAMES).conflicts('calibration'))
    .addHelpText('after', () => `\n${compressHelp()}`)
    .action(async (path: string, options: CompressCommandOptions, command: Command) => {
      if (options.recipe === undefined && options.preset === undefined) {
        command.error("error: pass --recipe <recipe> or --preset <name> (see 'whittle compress --help')", { exitCode: 2 });
      }
      if (options.output === undefined && options.transformersJs !== true) {
        command.error("error: required option '-o, --output <path>' not specified (or --transformers-js for an ONNX model laid out for transformers.js)", { exitCode: 2 });
      }
      await runCompress(path, options, io);
    });
}

/** The smallest `--shard-size`: 4 KiB (a file-system block). Smaller shards only multiply files. */
export const MIN_SHARD_BYTES = 4 * 1024;

/** The largest `--shard-size`: 2 GiB, the most one tfjs weight buffer (an ArrayBuffer in a browser) reliably holds. */
export const MAX_SHARD_BYTES = 2 * 1024 * 1024 * 1024;

/**
 * The end of `whittle compress --help`: the presets, every recipe kind registered in core's
 * default registry (with its handler's description and example, so a technique package's kinds
 * appear once it is registered), and example command lines.
 *
 * @example
 * ```ts
 * console.log(compressHelp());
 * ```
 */
export function compressHelp(registry: RecipeRegistry = defaultRegistry): string {
  const presetWidth = Math.max(...RECIPE_PRESETS.map(({ name }) => name.length));
  const presets = RECIPE_PRESETS.map(
    ({ name, description, recipe }) => `  ${name.padEnd(presetWidth)}  ${description}\n  ${' '.repeat(presetWidth)}  = ${JSON.stringify(recipe)}`,
  );
  const handlers = registry.kinds().map((kind) => registry.get(kind)!);
  const kindWidth = Math.max(...handlers.map(({ kind }) => kind.length));
  const kinds = handlers.map(({ kind, description, example }) =>
    [`  ${kind.padEnd(kindWidth)}  ${description}`]
      .concat(example === undefined ? [] : [`  ${' '.repeat(kindWidth)}  ${JSON.stringify(example)}`])
      .join('\n'),
  );
  return [
    'Presets (--preset NAME; each is the recipe after "="):',
    ...presets,
    '',
    'Recipe kinds (a recipe is a JSON array of steps, or one step; steps run in order):',
    ...kinds,
    '  Every step also takes "include" and "exclude" (arrays of globs over param names: * within a',
    '  /-separated segment, ** across segments, ? one character) and "roles"; a filter that',
    '  selects no param is an error. Biases and normalization params are kept unless "roles" names them.',
    '',
    'Examples:',
    '  whittle compress model/ --preset int8 -o model-int8/',
    '  whittle compress model.safetensors --preset float16 -o model-f16.safetensors',
    '  whittle compress models/bert --preset q4 --transformers-js     # writes models/bert/onnx/model_q4.onnx',
    `  whittle compress model/ --recipe '{"kind":"quantize.kmeans","bits":4}' -o model-k4/`,
    `  whittle compress model/ --recipe '[{"kind":"quantize.affine","bits":4,"granularity":{"kind":"group","size":32}},{"kind":"cast","dtype":"float16","roles":["bias"]}]' -o small/`,
    '  whittle compress model/ --recipe recipe.json -o small/ --json > report.json',
    `  whittle compress model/ --recipe '{"kind":"quantize.gptq","bits":4}' --data mnist -o model-gptq/`,
    `  whittle compress model/ --recipe gptq.json --calibration inputs.safetensors -o model-gptq/`,
  ].join('\n');
}

/** The `--recipe` or `--preset` of a run, read and validated. */
async function loadRecipe(options: CompressCommandOptions): Promise<LoadedRecipe> {
  if (options.recipe !== undefined && options.preset !== undefined) {
    throw new WhittleError('invalid-argument', 'pass either --recipe or --preset, not both', { field: '--preset' });
  }
  if (options.preset !== undefined) return presetRecipe(options.preset);
  if (options.recipe === undefined) {
    throw new WhittleError('invalid-argument', 'pass --recipe <recipe> or --preset <name>', { field: '--recipe' });
  }
  return readRecipe(options.recipe);
}

/** Names the recipe's source (file, `--recipe` or `--preset NAME`) in a recipe error. */
async function inRecipe<Value>(recipe: LoadedRecipe, work: Promise<Value>): Promise<Value> {
  try {
    return await work;
  } catch (error) {
    throw isWhittleError(error, 'invalid-recipe') ? inFile(error, recipe.source) : error;
  }
}

/**
 * Parses `--shard-size` in MiB (fractions allowed) into bytes, from 4 KiB (0.00390625) to 2 GiB
 * (2048): an 11 KB model cut into 1-byte shards is 11,000 files, never what anyone meant.
 *
 * @example
 * ```ts
 * parseShardSize('0.5'); // 524288
 * ```
 */
export function parseShardSize(value: string): number {
  const megabytes = Number(value);
  const bytes = Math.round(megabytes * 1024 * 1024);
  if (value.trim() === '' || !Number.isFinite(megabytes) || !Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new InvalidArgumentError(`expected a positive size in MiB, got ${JSON.stringify(value.slice(0, 40))}.`);
  }
  if (bytes < MIN_SHARD_BYTES || bytes > MAX_SHARD_BYTES) {
    throw new InvalidArgumentError(
      `a shard size of ${JSON.stringify(value.slice(0, 40))} MiB is out of range: give 0.00390625 (4 KiB) to 2048 (2 GiB).`,
    );
  }
  return bytes;
}
