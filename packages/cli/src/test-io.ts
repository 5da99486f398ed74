import type { CliIo } from './cli-io.ts';
import { runCli } from './run-cli.ts';

/** A {@link CliIo} that records what the CLI writes, for tests. */
export interface RecordingIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
}

/** Records stdout and stderr writes in memory. */
export function recordingIo(): RecordingIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

/** What one CLI run printed, and its exit status. */
export interface CliRun {
  readonly status: number;
  readonly out: string;
  readonly err: string;
}

/** Runs the CLI with recorded output, for end-to-end tests. */
export async function runRecorded(...argv: string[]): Promise<CliRun> {
  const io = recordingIo();
  const status = await runCli(argv, io);
  return { status, out: io.out(), err: io.err() };
}
