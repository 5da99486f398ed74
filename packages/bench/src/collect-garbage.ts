import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collector: (() => void) | undefined;

/**
 * A function that forces a full garbage collection, for `beforeEach` of a measurement: the read
 * and decode cases allocate over a gigabyte per run, and without it each run pays at random for
 * the garbage of the one before (whichever decoder ran then). Node allows exposing V8's `gc` at
 * run time (`--expose-gc` set by `v8.setFlagsFromString`, then `gc` read from a new context);
 * where that fails this returns a function that does nothing.
 *
 * @example
 * ```ts
 * await measure(task, { warmup: 1, runs: 5, beforeEach: garbageCollector() });
 * ```
 */
export function garbageCollector(): () => void {
  if (collector === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('gc');
      collector = typeof gc === 'function' ? (gc as () => void) : () => {};
    } catch {
      collector = () => {};
    }
  }
  return collector;
}
