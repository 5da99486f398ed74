/** Where the CLI writes: injected so tests capture output instead of touching the process. */
export interface CliIo {
  /** Results: tables and JSON. */
  stdout(text: string): void;
  /** Errors and progress. */
  stderr(text: string): void;
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
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
  };
}
