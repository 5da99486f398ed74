/**
 * Where sensitivity measurements are kept between runs, so an interrupted analysis resumes with
 * only the entries it lacks. Keys name the model (its hash), the data and the candidate step.
 */
import { WhittleError } from '../errors.ts';
import { MAX_OUTPUT_ERROR } from './measure-model.ts';

/** One cached measurement: the model with one param changed, as sized and run. */
export interface SensitivityRecord {
  /** Bytes and params of the whole model after the change (from the handler's `estimate`). */
  readonly bytes: number;
  /** Parameters of the whole model after the change. */
  readonly params: number;
  /** The metric on the data's targets; absent for data without targets. */
  readonly metric?: number;
  /** How far the outputs moved: Σ‖y − y₀‖² / Σ‖y₀‖². */
  readonly outputError: number;
  /** Mean KL divergence of the output distributions from the original's, where the outputs are class scores (see `ModelMeasurement`). */
  readonly divergence?: number;
  /** Median milliseconds of a forward pass, when latency was measured. */
  readonly latencyMs?: number;
  /**
   * Bytes the change saved on params other than the one it names (structured pruning also
   * narrows the next layer's inputs); absent when none. A search does not count these savings,
   * since that other param may take a setting of its own.
   */
  readonly otherBytesSaved?: number;
  /** Parameters the change removed from params other than the one it names; absent when none. */
  readonly otherParamsSaved?: number;
}

/** A store of {@link SensitivityRecord}s by key; either method may be synchronous or not. */
export interface SensitivityCache {
  get(key: string): SensitivityRecord | undefined | Promise<SensitivityRecord | undefined>;
  set(key: string, record: SensitivityRecord): void | Promise<void>;
}

/** A {@link SensitivityCache} in memory, whose records can be listed (to save them elsewhere). */
export interface MemorySensitivityCache extends SensitivityCache {
  /** Every record held, by key, in the order they were added. */
  entries(): IterableIterator<[string, SensitivityRecord]>;
  /** How many records it holds. */
  readonly size: number;
}

/**
 * A cache held in memory, optionally seeded with records.
 *
 * @example
 * ```ts
 * const cache = memorySensitivityCache();
 * await analyzeSensitivity(model, { data, cache });
 * cache.size; // one record per param and setting measured
 * ```
 */
export function memorySensitivityCache(entries: Iterable<readonly [string, SensitivityRecord]> = []): MemorySensitivityCache {
  const records = new Map<string, SensitivityRecord>(entries as Iterable<[string, SensitivityRecord]>);
  return {
    get: (key) => records.get(key),
    set: (key, record) => {
      records.set(key, record);
    },
    entries: () => records.entries(),
    get size() {
      return records.size;
    },
  };
}

/**
 * `value` as a {@link SensitivityRecord}, or a `malformed-file` WhittleError naming `field` when
 * it is not one (a cache file edited by hand, or another program's).
 *
 * @example
 * ```ts
 * readSensitivityRecord({ bytes: 10, params: 5, outputError: 0.01 }, 'entries["k"]');
 * ```
 */
export function readSensitivityRecord(value: unknown, field: string): SensitivityRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WhittleError('malformed-file', 'a cached sensitivity must be an object', { field });
  }
  const record = value as Record<string, unknown>;
  const number = (name: string, required: boolean, min: number, max: number): number | undefined => {
    const item = Object.hasOwn(record, name) ? record[name] : undefined;
    if (item === undefined && !required) return undefined;
    if (typeof item !== 'number' || !Number.isFinite(item) || item < min || item > max) {
      throw new WhittleError('malformed-file', `${name} must be a number from ${min} to ${max}`, { field: `${field}.${name}` });
    }
    return item;
  };
  for (const name of Object.keys(record)) {
    if (!RECORD_FIELDS.includes(name)) throw new WhittleError('malformed-file', `unknown field ${JSON.stringify(name.slice(0, 40))}`, { field });
  }
  const bytes = number('bytes', true, 0, Number.MAX_SAFE_INTEGER)!;
  const params = number('params', true, 0, Number.MAX_SAFE_INTEGER)!;
  const metric = number('metric', false, -Number.MAX_VALUE, Number.MAX_VALUE);
  const outputError = number('outputError', true, 0, MAX_OUTPUT_ERROR)!;
  const divergence = number('divergence', false, 0, MAX_OUTPUT_ERROR);
  const latencyMs = number('latencyMs', false, 0, Number.MAX_VALUE);
  const otherBytesSaved = number('otherBytesSaved', false, 0, Number.MAX_SAFE_INTEGER);
  const otherParamsSaved = number('otherParamsSaved', false, 0, Number.MAX_SAFE_INTEGER);
  return {
    bytes,
    params,
    ...(metric === undefined ? {} : { metric }),
    outputError,
    ...(divergence === undefined ? {} : { divergence }),
    ...(latencyMs === undefined ? {} : { latencyMs }),
    ...(otherBytesSaved === undefined ? {} : { otherBytesSaved }),
    ...(otherParamsSaved === undefined ? {} : { otherParamsSaved }),
  };
}

const RECORD_FIELDS: readonly string[] = ['bytes', 'params', 'metric', 'outputError', 'divergence', 'latencyMs', 'otherBytesSaved', 'otherParamsSaved'];
