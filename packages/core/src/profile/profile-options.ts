/**
 * Reading `profile`'s options: every field is checked before anything loads or runs, and a bad
 * one is an `invalid-argument` WhittleError naming it.
 */
import { BACKEND_NAMES, type BackendName } from '../backend/use-backend.ts';
import { WhittleError } from '../errors.ts';
import { describeValue } from '../tensor/shape.ts';
import type { ProfileOptions } from './types.ts';

/** Most timed runs per layer: enough for a stable median, few enough to finish. */
export const MAX_PROFILE_RUNS = 1000;
/** Most dimensions of a profiled input. */
export const MAX_PROFILE_RANK = 8;
/**
 * Most elements of a profiled input (64 Mi float32, 256 MiB): each layer is timed on a tensor
 * this big, so the bound keeps memory to what the machine can hold.
 */
export const MAX_PROFILE_INPUT_ELEMENTS = 2 ** 26;

/** `ProfileOptions` with every default filled in. */
export interface ResolvedProfileOptions {
  readonly inputShape: readonly number[] | undefined;
  readonly backend: BackendName;
  readonly runs: number;
  readonly warmup: number;
  readonly latency: boolean;
}

const OPTION_FIELDS = new Set(['inputShape', 'backend', 'runs', 'warmup', 'latency']);

/**
 * `options` checked and completed with the defaults (`wasm`, 10 runs, 2 warm-up runs, timing on).
 *
 * @example
 * ```ts
 * resolveProfileOptions({ inputShape: [1, 28, 28, 1] }).runs; // 10
 * resolveProfileOptions({ runs: 0 }); // throws: runs must be an integer from 1 to 1000
 * ```
 */
export function resolveProfileOptions(options: ProfileOptions | undefined): ResolvedProfileOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new WhittleError('invalid-argument', `profile options must be an object, got ${describeValue(options)}`, { field: 'options' });
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_FIELDS.has(key)) throw new WhittleError('invalid-argument', `profile has no option ${describeValue(key)}`, { field: 'options' });
  }
  const { backend = 'wasm', runs = 10, warmup = 2, latency = true } = options;
  if (!(BACKEND_NAMES as readonly unknown[]).includes(backend)) {
    throw new WhittleError('invalid-argument', `backend must be one of ${BACKEND_NAMES.join(', ')}, got ${describeValue(backend)}`, { field: 'backend' });
  }
  checkInteger(runs, 'runs', 1, MAX_PROFILE_RUNS);
  checkInteger(warmup, 'warmup', 0, MAX_PROFILE_RUNS);
  if (typeof latency !== 'boolean') throw new WhittleError('invalid-argument', `latency must be true or false, got ${describeValue(latency)}`, { field: 'latency' });
  return { inputShape: options.inputShape === undefined ? undefined : checkInputShape(options.inputShape), backend, runs, warmup, latency };
}

/**
 * `shape` when it is a profilable input shape: 2 to {@link MAX_PROFILE_RANK} positive integers
 * of at most {@link MAX_PROFILE_INPUT_ELEMENTS} elements in all.
 *
 * @example
 * ```ts
 * checkInputShape([1, 784]); // [1, 784]
 * ```
 */
export function checkInputShape(shape: unknown, field = 'inputShape'): readonly number[] {
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > MAX_PROFILE_RANK) {
    throw new WhittleError('invalid-argument', `${field} must be a list of 1 to ${MAX_PROFILE_RANK} dimensions, batch first, got ${describeValue(shape)}`, { field });
  }
  let elements = 1;
  for (const [axis, extent] of shape.entries()) {
    if (typeof extent !== 'number' || !Number.isSafeInteger(extent) || extent < 1) {
      throw new WhittleError('invalid-argument', `${field}[${axis}] must be a positive integer, got ${describeValue(extent)}`, { field });
    }
    elements *= extent;
    if (elements > MAX_PROFILE_INPUT_ELEMENTS) {
      throw new WhittleError('invalid-argument', `${field} has more than ${MAX_PROFILE_INPUT_ELEMENTS} elements`, { field });
    }
  }
  return [...(shape as number[])];
}

function checkInteger(value: unknown, field: string, minimum: number, maximum: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new WhittleError('invalid-argument', `${field} must be an integer from ${minimum} to ${maximum}, got ${describeValue(value)}`, { field });
  }
}
