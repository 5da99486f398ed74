import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import type { BackendName } from '@whittle/core';
import { summarize } from '../measure.ts';
import type { ResultRow } from '../result-row.ts';
import type { Suite, SuiteOptions, SuiteResult } from '../suite.ts';
import { runKernelChild, type KernelChildResult } from './kernels/kernel-child-process.ts';
import { FULL_KERNEL_PLAN, QUICK_KERNEL_PLAN, type KernelPlan } from './kernels/kernel-sizes.ts';
import { buildNativePeer, measureNativePeer, type BlockFormat, type NativePeer } from './kernels/native-peer.ts';

const SUITE = 'kernels';

/** The bound every kernel row of a size is measured against. */
const BOUND_CASE = 'copy-into-reused-buffer';
/** The same copy run back to back: the bound of the rows run so. */
const BACK_TO_BACK_BOUND_CASE = 'copy-into-reused-buffer-back-to-back';

/**
 * The dense-kernel cases, in the order they run at each size; every one in a fresh process.
 * `after` names cases whose work runs first in that process: the int4 row after int8 catches a
 * return of the deoptimisation that once left int4 8× slower for the rest of a process.
 */
export const KERNEL_CASES: readonly {
  readonly name: string;
  readonly child: string;
  readonly after?: readonly string[];
  /** The block format the native peer quantizes the same weights to, after the case's process has exited. */
  readonly native?: BlockFormat;
  /** Runs back to back (see {@link KernelChildSpec.backToBack}), against the bound measured so. */
  readonly backToBack?: true;
}[] = [
  { name: BOUND_CASE, child: BOUND_CASE },
  { name: 'copy-into-fresh-memory', child: 'copy-into-fresh-memory' },
  { name: 'copy-by-chunks-into-reused-buffer', child: 'copy-by-chunks-into-reused-buffer' },
  { name: 'read-twice-through-cache', child: 'read-twice-through-cache' },
  { name: 'quantize-int8-channel', child: 'quantize-int8-channel', native: 'q8_0' },
  { name: 'quantize-int8-channel-rows', child: 'quantize-int8-channel-rows' },
  { name: 'quantize-int4-group32', child: 'quantize-int4-group32', native: 'q4_0' },
  { name: 'quantize-int4-group32-after-int8', child: 'quantize-int4-group32', after: ['quantize-int8-channel'] },
  { name: 'quantize-int4-group32-asymmetric', child: 'quantize-int4-group32-asymmetric' },
  // The bound and int4 measured as the native peer measures itself: runs back to back, the
  // weights left in cache by the run before where they fit.
  { name: BACK_TO_BACK_BOUND_CASE, child: BOUND_CASE, backToBack: true },
  { name: 'quantize-int4-group32-back-to-back', child: 'quantize-int4-group32', native: 'q4_0', backToBack: true },
  { name: 'dequantize-int8-channel', child: 'dequantize-int8-channel' },
  { name: 'dequantize-int4-group32', child: 'dequantize-int4-group32' },
  { name: 'dequantize-uint8-stock', child: 'dequantize-uint8-stock' },
  { name: 'quantize-int8-channel-in-place', child: 'quantize-int8-channel-in-place' },
  { name: 'quantize-int8-channel-rows-in-place', child: 'quantize-int8-channel-rows-in-place' },
  { name: 'dequantize-int8-channel-in-place', child: 'dequantize-int8-channel-in-place' },
  { name: 'dequantize-int4-group32-in-place', child: 'dequantize-int4-group32-in-place' },
  { name: 'dequantize-uint8-stock-in-place', child: 'dequantize-uint8-stock-in-place' },
];

/** The 1-D weight distributions the k-means cases cluster (σ = 0.02 each). */
export const KMEANS_DISTRIBUTIONS = ['gaussian', 'laplacian'] as const;

/** What the bound is and is not, printed with every run. */
const BOUND_NOTE =
  `bound: ${BOUND_CASE}, Float32Array.prototype.set of the same weights into an array already written ` +
  '(memcpy: read and write every byte once, no page faults). It is a ceiling for any pass over the weights, ' +
  'not a floor a kernel can reach: a kernel also computes, and one that returns a new array pays for fresh ' +
  'pages as copy-into-fresh-memory does. copy-by-chunks-into-reused-buffer is the same copy 64 Ki floats at a time, as a ' +
  'kernel writes its output chunk by chunk (one large copy may use non-temporal stores, chunks do not). read-twice-through-cache copies the weights twice, 64 Ki floats at a time, into one ' +
  'cache-sized buffer and computes nothing: the least a kernel pays that must read every weight before coding any, as one ' +
  'scale per column of an [in, out] kernel (quantize-int8-channel) must; its share of the bound is the most such a kernel can reach. ' +
  'quantize-int8-channel-rows quantizes the same weights as a channel-first [out, in] kernel, one pass.';

/**
 * The `kernels` suite: throughput (params/s) of whittle's quantize and dequantize kernels through
 * the public API on dense kernels of 1M, 16M and 64M weights (`quick`: 1M), against copies of
 * the same weights measured at the same size in the same run (into a reused buffer: the bound;
 * into fresh memory: what allocating costs; by chunks: what a kernel writing its output chunk
 * by chunk can reach; twice through a cache-sized buffer: the floor of a kernel that must read
 * every weight twice), with tfjs's `io.decodeWeights` as the peer of stock
 * uint8 decoding; and 4-bit k-means on 1-D Gaussian and Laplacian weights against `ml-kmeans` and
 * `skmeans`, in time and in squared error over the optimal 1-D clustering's (simple-statistics'
 * `ckmeans`). Every case runs in a fresh Node process (no JIT state crosses cases); rows carry
 * the median and the spread (min, max) of their runs; the notes give the order, the bound and the
 * load average at the start and end. Node only.
 *
 * @example
 * ```ts
 * const { rows, notes } = await kernelsSuite.run({ quick: true });
 * rows.find((row) => row.case === 'quantize-int8-channel')?.value; // params/s
 * ```
 */
export const kernelsSuite: Suite = {
  name: SUITE,
  defaultBackends: ['cpu'],
  description: 'int8 / int4 / uint8 quantize and dequantize params/s against reused and fresh copies, and 4-bit k-means against peers, each case in a fresh process',
  run: runKernelsSuite,
};

async function runKernelsSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const plan = options.quick === true ? QUICK_KERNEL_PLAN : FULL_KERNEL_PLAN;
  const progress = options.onProgress ?? (() => {});
  const loadAtStart = loadavg();
  const rows: ResultRow[] = [];
  const native = buildNativePeer();
  const peerFailures: string[] = [];
  try {
    for (const side of plan.sides) rows.push(...(await kernelRows(side, plan, native, peerFailures, progress)));
  } finally {
    if (native.binary !== undefined) rmSync(dirname(native.binary), { recursive: true, force: true });
  }
  for (const count of plan.kmeansCounts) {
    for (const distribution of KMEANS_DISTRIBUTIONS) rows.push(...(await kmeansRows(count, distribution, plan, progress)));
  }
  const loadAtEnd = loadavg();
  const notes = [
    `each case ran in a fresh Node process, in the order of the rows; ${plan.runs} timed runs of each kernel case after untimed ones of as many weights as one run at 8192x8192 (${plan.sides.map((side) => `${warmupRuns(plan, side * side)} at ${side}x${side}`).join(', ')}; the native peers the same) (k-means: ${plan.kmeansRuns} after 1), a full garbage collection and one event-loop turn before every run (so that a previous run's freeing in the background is over); value is the median, spread the slowest and fastest run`,
    "…-in-place rows: quantize-…-in-place quantizes weights held in an array from affineKernelInput, inside the WebAssembly quantize kernel's memory, which it reads where they are; dequantize-…-in-place decodes into an array from decodeKernelOutput, inside the decode kernels' memory, which they fill chunk by chunk where the values belong. The peer of each is the same call on a plain array (the kernels then copy each chunk in, or out of, their memory), in the same process",
    `…-back-to-back rows: whittle's task alone (no fresh-output twin), its runs one after another with one collection before the first, as the native peer runs; where the weights fit in the last-level cache, each run finds them there. Their bound is ${BACK_TO_BACK_BOUND_CASE}, the reused-buffer copy run the same way; their native peer is the same measurement as the row above without -back-to-back (the same weights; the C program always runs back to back)`,
    BOUND_NOTE,
    native.binary === undefined
      ? native.reason
      : `native peers (${NATIVE_PEERS.q4_0}, ${NATIVE_PEERS.q8_0}): the same weights quantized to llama.cpp's q4_0 and q8_0 blocks (32 consecutive weights, a float16 scale) by their reference definitions in plain C (block-quantize.c, built with ${native.compiler}), into one reused output; the program times each run itself, after the case's process has exited. Its blocks run along the rows, whittle's int4 groups along the input axis of the [in, out] kernel (strided); int8 is one scale per channel against q8_0's one per 32 weights`,
    ...peerFailures,
    'k-means: every implementation clusters the same values into 16 clusters to convergence (ml-kmeans and skmeans from k-means++); sse / optimal is its squared error over that of the optimal 1-D clustering (ckmeans), 1 is optimal',
    `load average (1, 5, 15 min): ${formatLoad(loadAtStart)} at the start, ${formatLoad(loadAtEnd)} at the end`,
  ];
  return { rows, backends: [], notes };
}

/**
 * Weights each task works through, untimed, before its timed runs: as many as one run at the
 * largest size. A kernel's JS and WebAssembly code reach their optimised tiers after so many
 * calls and loop turns, and one run at 1M weights makes a sixty-fourth of the calls of one at
 * 64M: with a single untimed run, the first timed runs at 1M were still 1.3–2× slower than the
 * later ones.
 */
const WARMUP_WEIGHTS = 8192 * 8192;

/** Untimed runs at a size: the plan's, or more where one run is smaller than {@link WARMUP_WEIGHTS}. */
function warmupRuns(plan: KernelPlan, count: number): number {
  return Math.max(plan.warmup, Math.ceil(WARMUP_WEIGHTS / count));
}

/** The native peers' names in the `peer` column. */
const NATIVE_PEERS: Readonly<Record<BlockFormat, string>> = { q4_0: 'q4_0 reference in C', q8_0: 'q8_0 reference in C' };

async function kernelRows(
  side: number,
  plan: KernelPlan,
  native: NativePeer,
  peerFailures: string[],
  progress: (message: string) => void,
): Promise<ResultRow[]> {
  const count = side * side;
  const size = `${side}x${side}`;
  const warmup = warmupRuns(plan, count);
  const rows: ResultRow[] = [];
  let bound: number | undefined;
  let backToBackBound: number | undefined;
  // The native peer's runs by format: a second case with the same format (run back to back)
  // has the same weights, and the C program times itself the same way, so it is measured once.
  const nativeRuns = new Map<BlockFormat, readonly number[]>();
  for (const kernelCase of KERNEL_CASES) {
    progress(`${kernelCase.name} ${size} in a fresh process`);
    const format = native.binary === undefined ? undefined : kernelCase.native;
    const measured = format === undefined ? undefined : nativeRuns.get(format);
    const weightsOut = format === undefined || measured !== undefined ? undefined : join(dirname(native.binary!), 'weights.f32');
    let result = await runKernelChild({
      case: kernelCase.child,
      side,
      warmup,
      runs: plan.runs,
      ...(kernelCase.after === undefined ? {} : { before: kernelCase.after }),
      ...(weightsOut === undefined ? {} : { weightsOut }),
      ...(kernelCase.backToBack === true ? { backToBack: true } : {}),
    });
    if (format !== undefined && measured !== undefined) {
      result = { ...result, samples: { ...result.samples, [NATIVE_PEERS[format]]: [...measured] } };
    } else if (format !== undefined) {
      progress(`${NATIVE_PEERS[format]} on the same ${size} weights`);
      try {
        const seconds = measureNativePeer(native.binary!, format, weightsOut!, warmup, plan.runs);
        nativeRuns.set(format, seconds);
        result = { ...result, samples: { ...result.samples, [NATIVE_PEERS[format]]: seconds } };
      } catch (error) {
        // A peer that cannot run here (out of memory, say) leaves the row without it, and says why.
        peerFailures.push(`${kernelCase.name} ${size}: no ${NATIVE_PEERS[format]} row: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        rmSync(weightsOut!, { force: true });
      }
    }
    const caseRows = throughputRows(kernelCase.name, size, count, result);
    if (kernelCase.name === BOUND_CASE) bound = caseRows[0]!.value;
    if (kernelCase.name === BACK_TO_BACK_BOUND_CASE) backToBackBound = caseRows[0]!.value;
    const rowBound = kernelCase.backToBack === true ? backToBackBound : bound;
    rows.push(...caseRows.map((row) => (rowBound === undefined ? row : { ...row, bound: rowBound })));
  }
  return rows;
}

async function kmeansRows(
  count: number,
  distribution: (typeof KMEANS_DISTRIBUTIONS)[number],
  plan: KernelPlan,
  progress: (message: string) => void,
): Promise<ResultRow[]> {
  progress(`kmeans-4bit on ${count} ${distribution} weights with ml-kmeans and skmeans in a fresh process`);
  const result = await runKernelChild({ case: 'kmeans-4bit', count, distribution, seed: count, warmup: 1, runs: plan.kmeansRuns });
  const name = `kmeans-4bit-${distribution}`;
  const size = String(count);
  const { optimalSse, sse } = result.extra as { optimalSse: number; sse: Record<string, number> };
  const rows: ResultRow[] = [];
  rows.push(...throughputRows(name, size, count, result));
  for (const peer of ['ml-kmeans', 'skmeans']) {
    rows.push({
      suite: SUITE,
      case: name,
      backend: 'js',
      size,
      metric: 'sse / optimal',
      value: sse.whittle! / optimalSse,
      unit: '×',
      peer: { name: peer, value: sse[peer]! / optimalSse },
    });
  }
  return rows;
}

/**
 * The throughput rows of whittle's task: median params/s and the spread of its runs, one row per
 * peer the case measured (with that peer's median), or one row without a peer.
 */
function throughputRows(name: string, size: string, count: number, result: KernelChildResult): ResultRow[] {
  const row = throughputRow(name, size, count, result);
  const peers = Object.keys(result.samples).filter((task) => task !== 'whittle');
  if (peers.length === 0) return [row];
  return peers.map((peer) => ({ ...row, peer: { name: peer, value: count / summarize(result.samples[peer]!).median } }));
}

/** A throughput row of whittle's task: median params/s and the spread of the runs. */
function throughputRow(name: string, size: string, count: number, result: KernelChildResult): ResultRow {
  const { median, min, max } = summarize(result.samples.whittle!);
  return {
    suite: SUITE,
    case: name,
    backend: 'js',
    size,
    metric: 'throughput',
    value: count / median,
    unit: 'params/s',
    spread: { min: count / max, max: count / min },
  };
}

function formatLoad(load: readonly number[]): string {
  return load.map((value) => value.toFixed(2)).join(', ');
}
