/**
 * The `pruning` suite's throughput part: magnitude selection (`pruneLowest` on |w|) and mask
 * apply on 1M–64M weights, each timed in turn with a memory copy of the same weights, so the
 * figures say how far each is from the memory bound of this machine in this run.
 */
import { applyMask, magnitudeScores, pruneLowest } from '@whittle/prune';
import { garbageCollector } from '../../collect-garbage.ts';
import type { MeasureOptions } from '../../measure.ts';
import { measureInterleaved } from '../../measure-interleaved.ts';
import type { ResultRow } from '../../result-row.ts';
import { seededRandom } from '../../seeded-random.ts';
import type { PruningPart } from './pruning-part.ts';

const SUITE = 'pruning';

/** The fraction of weights each selection prunes. */
const SPARSITY = 0.9;

/** What the part measures, and how often. */
export interface ThroughputPlan {
  /** Weight counts, smallest first. */
  readonly sizes: readonly number[];
  readonly timed: MeasureOptions;
}

/** 1M, 16M and 64M weights. */
export const FULL_THROUGHPUT_PLAN: ThroughputPlan = { sizes: [2 ** 20, 2 ** 24, 2 ** 26], timed: { warmup: 1, runs: 7 } };

/** 1M weights: a smoke run in seconds. */
export const QUICK_THROUGHPUT_PLAN: ThroughputPlan = { sizes: [2 ** 20], timed: { warmup: 1, runs: 3 } };

/**
 * The tasks timed together at one size, in the order the first round runs them (each later round
 * starts one further on). The kernels allocate their outputs (a keep-mask, a pruned copy) per
 * call, as a pruning step does; the copies are `Float32Array.prototype.set` of the same weights
 * into a new array (`copy-fresh`: the same page faults the kernels pay) and into one reused array
 * (`copy-reused`: the memory bound once pages are mapped).
 *
 * @example
 * ```ts
 * const tasks = throughputTasks(weights);
 * tasks['select-lowest'](); // a keep-mask pruning 90% of the weights
 * ```
 */
export function throughputTasks(weights: Float32Array): Record<string, () => unknown> {
  const scores = magnitudeScores(weights);
  const count = Math.round(SPARSITY * weights.length);
  const mask = pruneLowest(scores, count);
  const reused = new Float32Array(weights.length);
  return {
    'select-lowest': () => pruneLowest(scores, count),
    'apply-mask': () => applyMask(weights, mask),
    'copy-fresh': () => new Float32Array(weights.length).set(weights),
    'copy-reused': () => reused.set(weights),
  };
}

/**
 * Rows of the part under `plan`: for each size and task, its throughput (params/s, the median
 * run; `bound`: the fresh copy's), its time as a multiple of each copy's, and its spread
 * ((slowest − fastest) / median, in %).
 *
 * @example
 * ```ts
 * const rows = await throughputRows(QUICK_THROUGHPUT_PLAN, console.error);
 * ```
 */
export async function throughputRows(plan: ThroughputPlan, progress: (message: string) => void): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const size of plan.sizes) {
    progress(`magnitude selection and mask apply on ${size} weights, in turn with copies`);
    // Weight-like values: dense kernels are roughly normal and small.
    const weights = seededRandom(size).normalArray(size, 0, 0.05);
    const measured = await measureInterleaved(throughputTasks(weights), { ...plan.timed, beforeEach: garbageCollector() });
    const freshCopy = measured['copy-fresh']!.median;
    const reusedCopy = measured['copy-reused']!.median;
    const row = (name: string, metric: string, value: number, unit: string, bound?: number): ResultRow => ({
      suite: SUITE,
      case: name,
      backend: 'js',
      size: String(size),
      metric,
      value,
      unit,
      ...(bound === undefined ? {} : { bound }),
    });
    for (const [name, { median, min, max }] of Object.entries(measured)) {
      rows.push(row(name, 'throughput', size / median, 'params/s', size / freshCopy));
      rows.push(row(name, 'time / fresh copy', median / freshCopy, '×'));
      rows.push(row(name, 'time / reused copy', median / reusedCopy, '×'));
      rows.push(row(name, 'spread', ((max - min) / median) * 100, '%'));
    }
  }
  return rows;
}

/**
 * The part: {@link throughputRows} at 1M, 16M and 64M weights (`quick`: 1M).
 *
 * @example
 * ```ts
 * const rows = await selectionThroughput({ quick: true, backend: 'wasm', progress: () => {} });
 * ```
 */
export const selectionThroughput: PruningPart = (context) =>
  throughputRows(context.quick ? QUICK_THROUGHPUT_PLAN : FULL_THROUGHPUT_PLAN, context.progress);
