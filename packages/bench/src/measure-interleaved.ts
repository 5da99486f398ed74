import { WhittleError } from '@whittle/core';
import { summarize, type Measurement, type MeasureOptions } from './measure.ts';

/**
 * Times several tasks that do the same work in different ways (whittle's decoder and a peer's),
 * one run of each in turn, so that drift over the run (a busy neighbour, a growing heap, a
 * warming page cache) falls on all of them alike rather than on whichever ran last. Each round
 * starts with the next task in turn. `warmup` untimed rounds first, then `runs` timed rounds;
 * returns the median, min and max seconds per task, as {@link measure} does for one.
 *
 * @example
 * ```ts
 * const { whittle, tfjs } = await measureInterleaved({ whittle: decodeWhittle, tfjs: decodeTfjs }, { warmup: 1, runs: 5 });
 * const ratio = tfjs.median / whittle.median;
 * ```
 */
export async function measureInterleaved<Name extends string>(
  tasks: Readonly<Record<Name, () => unknown>>,
  options: MeasureOptions,
): Promise<Record<Name, Measurement>> {
  // The same checks as measure's, before anything runs.
  if (!Number.isSafeInteger(options.warmup) || options.warmup < 0) {
    throw new WhittleError('invalid-argument', `warmup must be an integer of at least 0, got ${options.warmup}`, { field: 'warmup' });
  }
  if (!Number.isSafeInteger(options.runs) || options.runs < 1) {
    throw new WhittleError('invalid-argument', `runs must be an integer of at least 1, got ${options.runs}`, { field: 'runs' });
  }
  const names = Object.keys(tasks) as Name[];
  if (names.length === 0) throw new WhittleError('invalid-argument', 'measureInterleaved needs at least one task', { field: 'tasks' });
  const clock = options.clock ?? (() => performance.now());
  const samples = new Map<Name, number[]>(names.map((name) => [name, []]));
  const rounds = options.warmup + options.runs;
  const beforeEach = options.beforeEach ?? (() => {});
  for (let round = 0; round < rounds; round++) {
    for (let turn = 0; turn < names.length; turn++) {
      const name = names[(round + turn) % names.length]!;
      await beforeEach();
      const start = clock();
      await tasks[name]();
      if (round >= options.warmup) samples.get(name)!.push((clock() - start) / 1000);
    }
  }
  return Object.fromEntries(names.map((name) => [name, summarize(samples.get(name)!)])) as Record<Name, Measurement>;
}
