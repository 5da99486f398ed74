import type { StockDType } from '@whittle/core';
import { Option, type Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import type { DecompressReport } from '../compress/decompress-file.ts';
import { formatDecompressReport } from '../format/compress-report.ts';
import { formatOf } from '../model-files/model-format.ts';
import { locateModel } from '../model-files/model-location.ts';
import { resolveOutput } from '../model-files/output-path.ts';

/** The stock dtypes `whittle decompress --dtype` accepts. */
export const DECOMPRESS_DTYPES = ['float32', 'float16', 'uint8'] as const satisfies readonly StockDType[];

/** Options of `whittle decompress`. */
export interface DecompressCommandOptions {
  readonly output: string;
  readonly dtype?: StockDType;
  readonly force?: boolean;
  readonly json?: boolean;
}

/**
 * Writes the model at `path` back in a form read without whittle: TFJS artifacts with every
 * float param in stock `dtype` (dense float32 by default), or a safetensors file of dense
 * float32 / float16 tensors. Prints the sizes (text, or JSON with `json`).
 *
 * @example
 * ```ts
 * await runDecompress('small', { output: 'plain' }, processIo());
 * ```
 */
export async function runDecompress(path: string, options: DecompressCommandOptions, io: CliIo): Promise<DecompressReport> {
  const location = await locateModel(path);
  const force = options.force === true;
  const output = await resolveOutput(location, options.output, { force });
  const format = formatOf(location);
  const report = await format.decompress(location, output, { dtype: options.dtype ?? 'float32', force });
  const written = format.writtenPath(output);
  io.stdout(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${formatDecompressReport({ input: path, output: written, report })}\n`);
  return report;
}

/** Adds `whittle decompress` to a commander program. */
export function addDecompressCommand(program: Command, io: CliIo): void {
  program
    .command('decompress')
    .description('write any whittle output back as a stock model that plain tfjs (or any safetensors reader) loads')
    .argument('<model>', 'a model.json, a directory holding one, or a .safetensors file')
    .requiredOption('-o, --output <path>', 'where to write: a directory for TFJS, a .safetensors file for safetensors')
    .addOption(new Option('--dtype <dtype>', 'how float params are stored').choices(DECOMPRESS_DTYPES).default('float32'))
    .option('--force', 'replace an existing output (never the input)')
    .option('--json', 'print the sizes as JSON')
    .action(async (path: string, options: DecompressCommandOptions) => {
      await runDecompress(path, options, io);
    });
}
