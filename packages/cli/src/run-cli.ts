import { CommanderError } from 'commander';
import type { CliIo } from './cli-io.ts';
import { commandNamed, createProgram, oneLine } from './cli-program.ts';

/** Exit status for a command line that could not be parsed (unknown command, bad value). */
export const USAGE_ERROR = 2;
/** Exit status for a command that failed while running. */
export const FAILURE = 1;

/** How deep `--debug` follows an error's causes (a cycle or a hostile chain stops there). */
const MAX_CAUSES = 16;

/**
 * Runs the `whittle` command line and resolves to the exit status. Every error becomes one line
 * on `io.stderr` (`whittle: …`); `--debug` adds the stack trace of the error and of each of its
 * causes. `--quiet` silences progress (never errors). Never exits the process, but a command
 * that runs turns on tfjs's production mode, which silences tfjs's console advice. Only the
 * command that runs is loaded, so `--version` and `--help` load neither tfjs nor any technique.
 *
 * @example
 * ```ts
 * const output: string[] = [];
 * const status = await runCli(['demo', '--json'], { stdout: (text) => output.push(text), stderr: () => {} });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const program = await createProgram(io, new Set([commandNamed(argv)]));
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already written its message through `outputError`, or the help/version.
      return error.exitCode === 0 ? 0 : USAGE_ERROR;
    }
    io.stderr(`whittle: ${await errorLine(error)}\n`);
    if (argv.includes('--debug')) io.stderr(`${causeChain(error)}\n`);
    return FAILURE;
  }
}

async function errorLine(error: unknown): Promise<string> {
  // Core is loaded by then whenever the error is one of its own.
  const { isWhittleError } = await import('@whittle/core');
  // Core's file errors speak of its `force` option; on the command line that is --force.
  if (isWhittleError(error)) return oneLine(error.message).replace(/\bpass force\b/g, 'pass --force');
  if (error instanceof Error) return oneLine(error.message || error.name);
  return oneLine(String(error));
}

/**
 * What `--debug` prints: the error's stack, then each cause's (`caused by: …`), so a reason that
 * a wrapping error only summarised (a permission error without a code, say) is never lost.
 */
function causeChain(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current) && parts.length < MAX_CAUSES) {
    seen.add(current);
    parts.push(`${parts.length === 0 ? '' : 'caused by: '}${errorText(current)}`);
    current = typeof current === 'object' && 'cause' in current ? current.cause : undefined;
  }
  if (current !== undefined && current !== null && parts.length === MAX_CAUSES && !seen.has(current)) parts.push('caused by: …');
  return parts.join('\n');
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}
