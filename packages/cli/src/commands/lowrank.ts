import type { Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { addVerbCommand } from '../verbs/verb-command.ts';
import { LOWRANK_VERB } from '../verbs/lowrank-verb.ts';

/**
 * Adds `whittle lowrank` to a commander program: one `lowrank.*` recipe step built from flags, run as
 * `whittle compress --recipe` runs it.
 *
 * @example
 * ```ts
 * addLowrankCommand(program, processIo());
 * ```
 */
export function addLowrankCommand(program: Command, io: CliIo): void {
  addVerbCommand(program, io, LOWRANK_VERB);
}
