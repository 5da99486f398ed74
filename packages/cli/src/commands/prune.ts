import type { Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { addVerbCommand } from '../verbs/verb-command.ts';
import { PRUNE_VERB } from '../verbs/prune-verb.ts';

/**
 * Adds `whittle prune` to a commander program: one `prune.*` recipe step built from flags, run as
 * `whittle compress --recipe` runs it.
 *
 * @example
 * ```ts
 * addPruneCommand(program, processIo());
 * ```
 */
export function addPruneCommand(program: Command, io: CliIo): void {
  addVerbCommand(program, io, PRUNE_VERB);
}
