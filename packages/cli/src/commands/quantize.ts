import type { Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { addVerbCommand } from '../verbs/verb-command.ts';
import { QUANTIZE_VERB } from '../verbs/quantize-verb.ts';

/**
 * Adds `whittle quantize` to a commander program: one `quantize.*` recipe step built from flags, run as
 * `whittle compress --recipe` runs it.
 *
 * @example
 * ```ts
 * addQuantizeCommand(program, processIo());
 * ```
 */
export function addQuantizeCommand(program: Command, io: CliIo): void {
  addVerbCommand(program, io, QUANTIZE_VERB);
}
