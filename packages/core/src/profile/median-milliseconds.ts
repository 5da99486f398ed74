/**
 * Timing a piece of tfjs work: untimed warm-up runs, then the median of timed ones.
 */

/**
 * The median wall-clock milliseconds of `runs` calls of `work`, after `warmup` untimed calls.
 * `work` resolves once its result is read back, so an asynchronous backend (WebGPU) is timed to
 * completion, not to submission.
 *
 * @example
 * ```ts
 * const milliseconds = await medianMilliseconds(async () => { const y = tf.matMul(a, b); await y.data(); y.dispose(); }, 10, 2);
 * ```
 */
export async function medianMilliseconds(work: () => Promise<void>, runs: number, warmup: number): Promise<number> {
  for (let run = 0; run < warmup; run++) await work();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  return median(times);
}

/**
 * The middle value of `values` (the mean of the two middle ones for an even count).
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * median([4, 1, 3, 2]); // 2.5
 * ```
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
