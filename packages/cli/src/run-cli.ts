import * as tf from '@tensorflow/tfjs-core';
import { isWhittleError } from '@whittle/core';
import { Command, CommanderError } from 'commander';
// Side effect: registers the quantize.* recipe kinds in core's default registry, so `whittle
// compress` runs them. The CLI's one registration import.
import '@whittle/quantize/register';
import { version } from '../package.json';
import type { CliIo } from './cli-io.ts';
import { addBenchCommand } from './commands/bench.ts';
import { addCompressCommand } from './commands/compress.ts';
import { addDecompressCommand } from './commands/decompress.ts';
import { addDemoCommand } from './commands/demo.ts';
import { addInspectCommand } from './commands/inspect.ts';

/** Exit status for a command line that could not be parsed (unknown command, bad value). */
export const USAGE_ERROR = 2;
/** Exit status for a command that failed while running. */
export const FAILURE = 1;

/**
 * Runs the `whittle` command line and resolves to the exit status. Every error becomes one line
 * on `io.stderr` (`whittle: …`); `--debug` adds the stack trace. Never exits the process, but
 * turns on tfjs's production mode, which silences tfjs's console advice.
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
    if (argv.includes('--debug') && error instanceof Error && error.stack !== undefined) {
      io.stderr(`${error.stack}\n`);
    }
    return FAILURE;
  }
}

function createProgram(io: CliIo): Command {
  const program = new Command('whittle')
    .description('Make TensorFlow.js models parameter-efficient: compress, measure and compare them.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print help')
    .option('--debug', 'print stack traces of errors')
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (message, write) => write(`whittle: ${oneLine(message)}\n`),
    })
    .showSuggestionAfterError(true);
  // Subcommands made with `program.command` inherit the output and exit settings above.
  addInspectCommand(program, io);
  addCompressCommand(program, io);
  addDecompressCommand(program, io);
  addDemoCommand(program, io);
  addBenchCommand(program, io);
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
