import type { CliIo } from './cli-io.ts';

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
