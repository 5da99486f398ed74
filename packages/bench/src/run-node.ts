/**
 * Running a bench case in a child Node process, so its memory and JIT state start fresh.
 */
import { spawn } from 'node:child_process';

/** What a finished child process left: its exit status and everything it wrote. */
export interface NodeRun {
  /** The exit status; null when a signal ended it. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs this Node binary with `args` (no stdin) and resolves with what it wrote once it exits;
 * rejects only when it cannot start.
 *
 * @example
 * ```ts
 * const { code, stdout } = await runNode(['child.js', '--case', 'int8']);
 * ```
 */
export function runNode(args: readonly string[]): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
  });
}
