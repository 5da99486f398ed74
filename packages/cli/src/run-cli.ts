import * as tf from '@tensorflow/tfjs-core';
import { isWhittleError } from '@whittle/core';
import { Command, CommanderError } from 'commander';
// Side effect: registers the quantize.* recipe kinds in core's default registry, so `whittle
// compress` runs them. The CLI's one registration import.
import '@whittle/quantize/register';
import '@whittle/prune/register';
import '@whittle/lowrank/register';
import '@whittle/distill/register';
import '@whittle/onnx/register';
import { version } from '../package.json';
import type { CliIo } from './cli-io.ts';
import { addBenchCommand } from './commands/bench.ts';
import { addCompressCommand } from './commands/compress.ts';
import { addDecompressCommand } from './commands/decompress.ts';
import { addDemoCommand } from './commands/demo.ts';
import { addDistillCommand } from './commands/distill.ts';
import { addHelpExamples } from './commands/help-examples.ts';
import { addInspectCommand } from './commands/inspect.ts';
import { addVerifyCommand } from './commands/verify.ts';

/** Exit status for a command line that could not be parsed (unknown command, bad value). */
export const USAGE_ERROR = 2;
/** Exit status for a command that failed while running. */
export const FAILURE = 1;

/** How deep `--debug` follows an error's causes (a cycle or a hostile chain stops there). */
const MAX_CAUSES = 16;

/**
 * Runs the `whittle` command line and resolves to the exit status. Every error becomes one line
 * on `io.stderr` (`whittle: …`); `--debug` adds the stack trace of the error and of each of its
 * causes. `--quiet` silences progress (never errors). Never exits the process, but turns on
 * tfjs's production mode, which silences tfjs's console advice.
 *
 * @example
 * ```ts
 * const output: string[] = [];
 * const status = await runCli(['demo', '--json'], { stdout: (text) => output.push(text), stderr: () => {} });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // tfjs prints advice to stderr (in Node, to install tfjs-node when the cpu backend first runs);
  // the CLI's stderr is for errors. Production mode only gates tfjs's console output.
  tf.enableProdMode();
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already written its message through `outputError`, or the help/version.
      return error.exitCode === 0 ? 0 : USAGE_ERROR;
    }
    io.stderr(`whittle: ${errorLine(error)}\n`);
    if (argv.includes('--debug')) io.stderr(`${causeChain(error)}\n`);
    return FAILURE;
  }
}

function createProgram(io: CliIo): Command {
  // Commands are built before the command line is parsed; they read --quiet through this io.
  const settings = { quiet: false };
  const commandIo: CliIo = {
    stdout: io.stdout,
    stderr: io.stderr,
    ...(io.terminal === undefined ? {} : { terminal: io.terminal }),
    get progress() {
      return io.progress !== false && !settings.quiet;
    },
  };
  const program = new Command('whittle')
    .description('Make TensorFlow.js models parameter-efficient: compress, measure and compare them.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print help')
    .option('--debug', 'print stack traces of errors and of their causes')
    .option('-q, --quiet', 'print no progress on stderr (errors are still printed)')
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (message, write) => write(`whittle: ${oneLine(message)}\n`),
    })
    .showSuggestionAfterError(true)
    .hook('preAction', (_program, action) => {
      settings.quiet = action.optsWithGlobals<{ quiet?: boolean }>().quiet === true;
    });
  // Subcommands made with `program.command` inherit the output and exit settings above.
  addInspectCommand(program, commandIo);
  addCompressCommand(program, commandIo);
  addDecompressCommand(program, commandIo);
  addDistillCommand(program, commandIo);
  addDemoCommand(program, commandIo);
  addBenchCommand(program, commandIo);
  addVerifyCommand(program, commandIo);
  addHelpExamples(program);
  return program;
}

/** Commander's messages start with `error: ` and may put a suggestion on a second line. */
function oneLine(message: string): string {
  return message
    .trim()
    .replace(/^error:\s*/, '')
    .replace(/\s*\n\s*/g, ' ');
}

function errorLine(error: unknown): string {
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
