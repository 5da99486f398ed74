import { runNode } from '../../run-node.ts';

/** What one fresh process runs: a case of `kernel-child.mjs`, its size and how often. */
export interface KernelChildSpec {
  readonly case: string;
  /** Side of the square dense kernel (1024 is 1M weights). */
  readonly side?: number;
  /** Values to cluster (k-means cases). */
  readonly count?: number;
  readonly distribution?: 'gaussian' | 'laplacian';
  readonly seed?: number;
  readonly warmup: number;
  readonly runs: number;
  /** Cases whose work runs first in the same process, as many times as a timed case runs. */
  readonly before?: readonly string[];
  /**
   * Whittle's task alone, run after run with no collection between (one before the first), as the
   * native peer times itself; otherwise every task, each run after a full collection.
   */
  readonly backToBack?: boolean;
  /** Where to write the case's float32 weights (this machine's byte order) after its timed runs, for a peer in another process. */
  readonly weightsOut?: string;
}

/** What the process measured: seconds per timed run of each task (whittle's, then peers'), and case extras. */
export interface KernelChildResult {
  readonly samples: Readonly<Record<string, readonly number[]>>;
  readonly extra: Readonly<Record<string, unknown>>;
}

const RESULT_MARKER = 'kernel-child-result ';
const CHILD_SCRIPT = new URL('./kernel-child.mjs', import.meta.url);

/**
 * Runs one kernels case in a fresh Node process (`--expose-gc`, so every run starts after a full
 * collection, unless the spec runs back to back) and returns its timings. Node only. Throws, with the child's reason, when the case
 * fails or the process dies.
 *
 * @example
 * ```ts
 * const { samples } = await runKernelChild({ case: 'quantize-int8-channel', side: 1024, warmup: 1, runs: 5 });
 * ```
 */
export async function runKernelChild(spec: KernelChildSpec): Promise<KernelChildResult> {
  const { code, stdout, stderr } = await runNode(['--expose-gc', CHILD_SCRIPT.pathname, JSON.stringify(spec)]);
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(RESULT_MARKER));
  if (line === undefined) {
    throw new Error(`the ${spec.case} child process exited with status ${code}: ${stderr.trim().split('\n').pop() ?? ''}`);
  }
  const reported = JSON.parse(line.slice(RESULT_MARKER.length)) as KernelChildResult & { error?: string };
  if (code !== 0 || reported.error !== undefined) {
    throw new Error(`the ${spec.case} child process exited with status ${code}: ${reported.error ?? 'no reason given'}`);
  }
  return reported;
}
