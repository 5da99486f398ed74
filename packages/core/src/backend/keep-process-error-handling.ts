import { detectRuntime } from './runtime.ts';

/** The process events that emscripten's Node glue (inside tfjs-backend-wasm) listens to. */
const PROCESS_ERROR_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/** The part of Node's `process` (an `EventEmitter`) this needs. */
export interface ProcessErrorEvents {
  listeners(event: string): readonly unknown[];
  // `never`: only a listener that `listeners` returned is ever passed back.
  removeListener(event: string, listener: never): unknown;
}

/**
 * Runs `start` and then removes the `uncaughtException` and `unhandledRejection` listeners it
 * added, leaving the process's error handling as it was. tfjs-backend-wasm's emscripten glue adds
 * listeners that rethrow from inside the handler: after it, any uncaught error in the user's
 * program exits with status 7 and a crash header pointing into the backend instead of the
 * user's own error, and an unhandled rejection does the same. (The glue's own clean-up of these
 * listeners never removes anything.) Listeners that were there before are kept. Outside Node
 * (Deno, Bun, browsers) it only runs `start`.
 *
 * @example
 * ```ts
 * await keepProcessErrorHandling(() => tf.setBackend('wasm'));
 * ```
 */
export async function keepProcessErrorHandling<Result>(
  start: () => Promise<Result>,
  process: ProcessErrorEvents | undefined = nodeProcess(),
): Promise<Result> {
  if (process === undefined) return start();
  const before = new Map(PROCESS_ERROR_EVENTS.map((event) => [event, new Set(process.listeners(event))]));
  try {
    return await start();
  } finally {
    for (const event of PROCESS_ERROR_EVENTS) {
      for (const listener of process.listeners(event)) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener as never);
      }
    }
  }
}

function nodeProcess(): ProcessErrorEvents | undefined {
  if (detectRuntime().name !== 'node') return undefined;
  const process = (globalThis as { process?: Partial<ProcessErrorEvents> }).process;
  return typeof process?.listeners === 'function' && typeof process.removeListener === 'function'
    ? (process as ProcessErrorEvents)
    : undefined;
}
