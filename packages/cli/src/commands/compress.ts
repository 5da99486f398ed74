import { WhittleError } from '@whittle/core';
import { InvalidArgumentError, type Command } from 'commander';
import { join } from 'node:path';
import type { CliIo } from '../cli-io.ts';
import type { CompressReport } from '../compress/compress-report.ts';
import { compressSafetensorsFile } from '../compress/compress-safetensors.ts';
import { compressTfjsModel } from '../compress/compress-tfjs.ts';
import { formatCompressReport } from '../format/compress-report.ts';
import { formatBytes } from '../format/numbers.ts';
import { locateModel } from '../model-files/model-location.ts';
import { resolveOutput } from '../model-files/output-path.ts';
import { readRecipe } from '../recipe/read-recipe.ts';

/** Options of `whittle compress`. */
export interface CompressCommandOptions {
  /** A recipe JSON file, or an inline JSON array of steps. */
  readonly recipe: string;
  /** The output: a directory for TFJS input, a .safetensors file (or a directory) for safetensors. */
  readonly output: string;
  readonly json?: boolean;
  readonly force?: boolean;
  /** Weight shard size of TFJS output in bytes (the option takes MiB). */
  readonly shardSize?: number;
}

/**
 * Runs a recipe on the model at `path` through core's registry and writes the result: TFJS
 * artifacts in, TFJS artifacts out (a directory); safetensors in, safetensors out, streamed one
 * param at a time when every step allows it. The recipe is checked before the model is read,
 * and the output before anything is computed: never the input, and an existing one only with
 * `force`. Prints the sizes and steps (a table, or JSON with `json`); progress goes to stderr.
 *
 * @example
 * ```ts
 * const report = await runCompress('in', { recipe: '[{"kind":"cast","dtype":"float16"}]', output: 'out' }, processIo());
 * report.ratio; // about 2
 * ```
 */
export async function runCompress(path: string, options: CompressCommandOptions, io: CliIo): Promise<CompressReport> {
  const recipe = await readRecipe(options.recipe);
  const location = await locateModel(path);
  if (location.format === 'safetensors' && options.shardSize !== undefined) {
    throw new WhittleError('invalid-argument', 'a safetensors output is one file; --shard-size applies to TFJS output only', { field: '--shard-size' });
  }
  const force = options.force === true;
  // The writers make the output's folder, and remove it again if the write fails.
  const output = await resolveOutput(location, options.output, { force });
  const progress = (message: string): void => io.stderr(`compress: ${message}\n`);
  const report =
    location.format === 'tfjs'
      ? await compressTfjsModel(location, output, recipe.steps, {
          force,
          ...(options.shardSize === undefined ? {} : { shardBytes: options.shardSize }),
          onStep: (step) => progress(`${step.kind}: ${formatBytes(step.bytesBefore)} → ${formatBytes(step.bytesAfter)} in ${step.seconds.toFixed(3)} s`),
        })
      : await compressSafetensorsFile(location.path, output, recipe.steps, { force, progress });
  const written = location.format === 'tfjs' ? join(output, 'model.json') : output;
  io.stdout(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${formatCompressReport({ input: path, output: written, report })}\n`);
  return report;
}

/** Adds `whittle compress` to a commander program. */
export function addCompressCommand(program: Command, io: CliIo): void {
  program
    .command('compress')
    .description('run a recipe on a TFJS model or safetensors file and write the result')
    .argument('<model>', 'a model.json, a directory holding one, or a .safetensors file')
    .requiredOption('--recipe <recipe>', 'a recipe JSON file, or an inline JSON array of steps')
    .requiredOption('-o, --output <path>', 'where to write: a directory for TFJS, a .safetensors file for safetensors')
    .option('--json', 'print the report as JSON')
    .option('--force', 'replace an existing output (never the input)')
    .option('--shard-size <MiB>', 'weight shard size of TFJS output, in MiB (default 4)', parseShardSize)
    .action(async (path: string, options: CompressCommandOptions) => {
      await runCompress(path, options, io);
    });
}

/** The smallest `--shard-size`: 4 KiB (a file-system block). Smaller shards only multiply files. */
export const MIN_SHARD_BYTES = 4 * 1024;

/** The largest `--shard-size`: 2 GiB, the most one tfjs weight buffer (an ArrayBuffer in a browser) reliably holds. */
export const MAX_SHARD_BYTES = 2 * 1024 * 1024 * 1024;

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
