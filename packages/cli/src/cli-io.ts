/** stderr as an interactive terminal: a stream that knows its width (as `process.stderr` on a TTY). */
export type TerminalStream = NodeJS.WritableStream & { readonly columns?: number; readonly rows?: number };

/** Where the CLI writes: injected so tests capture output instead of touching the process. */
export interface CliIo {
  /** Results: tables and JSON. Never progress. */
  stdout(text: string): void;
  /** Errors and progress. */
  stderr(text: string): void;
  /**
   * The stream behind `stderr` when it is an interactive terminal: progress then redraws one bar
   * in place there. Absent: progress is plain lines through `stderr`.
   */
  readonly terminal?: TerminalStream;
  /** False when progress is not wanted (`--quiet`); errors are printed all the same. */
  readonly progress?: boolean;
}

/**
 * The CLI's io bound to the running process's streams.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), processIo());
 * ```
 */
export function processIo(): CliIo {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', ignoreClosedPipe);
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    ...(process.stderr.isTTY ? { terminal: process.stderr } : {}),
  };
}

/**
 * A reader that stops early (`whittle inspect model.safetensors | head`) closes the pipe; the
 * command still finishes its work (an output file is never left half-written), and what it would
 * have printed there is dropped, as Unix tools do. Any other stream error is a real failure.
 */
function ignoreClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
}
