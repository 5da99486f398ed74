import { WhittleError } from '@whittle/core';

/** Timing statistics of one measured case, in seconds. */
export interface Measurement {
  /** Median of the timed runs, in seconds: the figure reported. */
  readonly median: number;
  /** Fastest timed run, in seconds. */
  readonly min: number;
  /** Slowest timed run, in seconds. */
  readonly max: number;
  /** Every timed run, in seconds, in the order they ran. */
  readonly samples: readonly number[];
}

/** Options for {@link measure}. */
export interface MeasureOptions {
  /** Untimed runs first, to warm caches and JIT tiers. */
  readonly warmup: number;
  /** Timed runs (at least one). */
  readonly runs: number;
  /** A clock in milliseconds; `performance.now` by default. Tests pass a fake one. */
  readonly clock?: () => number;
  /**
   * Run untimed before every run, warm-up included: a forced garbage collection, say, so that
   * each run starts from the same heap instead of paying for its predecessor's garbage.
   */
  readonly beforeEach?: () => unknown;
}

/**
 * Runs `task` `warmup` times untimed, then `runs` times timed, one run at a time (an async task
 * is awaited before the next starts), and returns the median, min and max in seconds.
 *
 * @example
 * ```ts
 * const { median } = await measure(() => tf.matMul(a, b).data(), { warmup: 1, runs: 5 });
 * ```
 */
export async function measure(task: () => unknown, options: MeasureOptions): Promise<Measurement> {
  assertCount(options.warmup, 'warmup', 0);
  assertCount(options.runs, 'runs', 1);
  const clock = options.clock ?? (() => performance.now());
  const beforeEach = options.beforeEach ?? (() => {});
  for (let run = 0; run < options.warmup; run++) {
    await beforeEach();
    await task();
  }
  const samples: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    await beforeEach();
    const start = clock();
    await task();
    samples.push((clock() - start) / 1000);
  }
  return summarize(samples);
}

/**
 * Median, min and max of timing samples (seconds). The median of an even count is the mean of
 * the two middle samples.
 *
 * @example
 * ```ts
 * summarize([0.3, 0.1, 0.2]); // { median: 0.2, min: 0.1, max: 0.3, samples: [0.3, 0.1, 0.2] }
 * ```
 */
export function summarize(samples: readonly number[]): Measurement {
  if (samples.length === 0) {
    throw new WhittleError('invalid-argument', 'summarize needs at least one sample', { field: 'samples' });
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, samples: [...samples] };
}

function assertCount(value: number, name: string, minimum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new WhittleError('invalid-argument', `${name} must be an integer of at least ${minimum}, got ${value}`, {
      field: name,
    });
  }
}
