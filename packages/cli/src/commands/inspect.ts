import type { Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { inspectReportChunks, inspectReportJsonChunks } from '../format/inspect-report.ts';
import { inspectModel, type InspectListing } from '../model-files/inspect-model.ts';
import { locateModel } from '../model-files/model-location.ts';

/** Options of `whittle inspect`. */
export interface InspectCommandOptions {
  readonly json?: boolean;
}

/**
 * Lists the params of the model at `path` (a model.json, a directory holding one, or a
 * safetensors file, read from its header alone) and prints a table, or JSON with `json`:
 * `{ format, params, bytes, tensors: [{ name, role, shape, encoding, params, bytes }] }`.
 *
 * @example
 * ```ts
 * const report = await runInspect('model.safetensors', { json: true }, processIo());
 * ```
 */
export async function runInspect(path: string, options: InspectCommandOptions, io: CliIo): Promise<InspectListing> {
  const report = await inspectModel(await locateModel(path));
  // Written in pieces: a listing of a million tensors would otherwise be one string of hundreds of megabytes.
  for (const chunk of options.json === true ? inspectReportJsonChunks(report) : inspectReportChunks(path, report)) io.stdout(chunk);
  io.stdout('\n');
  if (options.json !== true && report.details !== undefined) io.stdout(`\n${report.details.join('\n')}\n`);
  return report;
}

/** Adds `whittle inspect` to a commander program. */
export function addInspectCommand(program: Command, io: CliIo): void {
  program
    .command('inspect')
    .description("list a model's params: role, shape, encoding, params, bytes and bits per weight, with totals")
    .argument('<model>', 'a model.json, a directory holding one, or a .safetensors file')
    .option('--json', 'print the listing as JSON')
    .action(async (path: string, options: InspectCommandOptions) => {
      await runInspect(path, options, io);
    });
}
