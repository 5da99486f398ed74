/**
 * Sensitivity analysis: for each layer and each setting it may take, what changing that layer
 * alone does to the model: its size (from the handler's `estimate`, checked by running it), the
 * metric on held-out targets, and how far the outputs move from the original's.
 */
import { byteLength, encodingParamCount } from '../encoding/byte-length.ts';
import { WhittleError, isWhittleError } from '../errors.ts';
import { countParams, modelByteLength } from '../model/model-queries.ts';
import type { Model, Param } from '../model/types.ts';
import { compress } from '../recipe/compress.ts';
import { defaultRegistry } from '../recipe/default-registry.ts';
import { estimate } from '../recipe/estimate.ts';
import { loadRunner } from '../recipe/load-runner.ts';
import type { RecipeRegistry } from '../recipe/registry.ts';
import type { RecipeStep } from '../recipe/types.ts';
import { measureModel, type ReferenceRun, type SearchData, type SearchMetric } from './measure-model.ts';
import { hex, modelHash, sha256 } from './model-hash.ts';
import type { SensitivityCache, SensitivityRecord } from './sensitivity-cache.ts';
import { exactInclude, searchSettings, type SearchSetting } from './search-settings.ts';

/** Options of {@link analyzeSensitivity}. */
export interface SensitivityOptions {
  /** What each candidate is run on: labelled batches, or calibration inputs for the proxy alone. */
  readonly data: SearchData;
  /** Technique families (`quantize`, `prune`, `lowrank`) or exact kinds; every registered one by default. */
  readonly techniques?: readonly string[];
  /** The settings to try on a param; {@link searchSettings} by default. */
  readonly settings?: (param: Param, registry: RecipeRegistry) => readonly SearchSetting[];
  /** Where kinds are looked up; core's default registry by default. */
  readonly registry?: RecipeRegistry;
  /** Keeps measurements between runs: a second run measures only what the cache lacks. */
  readonly cache?: SensitivityCache;
  /** Also time a forward pass of every candidate (for latency budgets). */
  readonly latency?: boolean;
  /** Stops between candidates (and inside compress steps that watch it). */
  readonly signal?: AbortSignal;
  /** Called after each candidate, measured or read from the cache. */
  readonly onProgress?: (progress: SensitivityProgress) => void;
}

/** Where an analysis is. */
export interface SensitivityProgress {
  readonly done: number;
  readonly total: number;
  readonly param: string;
  /** The setting's label (`int4`). */
  readonly setting: string;
  /** True when the measurement came from the cache. */
  readonly cached: boolean;
}

/** One setting of one layer, measured: the whole model's figures with only that param changed. */
export interface SensitivityEntry extends SensitivityRecord {
  readonly setting: SearchSetting;
  /** The step as it ran: the setting's step with an `include` naming the param. */
  readonly step: RecipeStep;
}

/** The settings of one param, measured. */
export interface LayerSensitivity {
  readonly param: string;
  /** The glob that selects this param alone. */
  readonly include: string;
  /** The param's bytes and elements as it is. */
  readonly bytes: number;
  /** The param's elements as it is. */
  readonly params: number;
  /** Each setting measured, in the order the settings were given. */
  readonly entries: readonly SensitivityEntry[];
}

/** What {@link analyzeSensitivity} measured. */
export interface Sensitivity {
  /** SHA-256 of the model (see `modelHash`), part of every cache key. */
  readonly modelHash: string;
  /** SHA-256 of the original model's outputs on the data and its metric, part of every cache key. */
  readonly dataHash: string;
  /** The metric measured, when the data has targets. */
  readonly metric?: SearchMetric;
  /** The model as it is. */
  readonly baseline: SensitivityRecord;
  readonly layers: readonly LayerSensitivity[];
  /** Params and settings left out, and why, one line each. */
  readonly notes: readonly string[];
}

/** The version of the cache keys: a change in what a measurement means changes it. */
const CACHE_KEY_VERSION = 'whittle-sensitivity-1';

/**
 * For each param the settings apply to and each setting, runs the one-step recipe that changes
 * that param alone through `compress` and the registered handlers, then the result through the
 * runner on `data`: the metric where the data has targets, and the output error (relative squared
 * distance of the outputs from the original model's, a proxy needing no labels). With a `cache`,
 * measurements already there (same model, same data, same step) are reused, so an analysis cut
 * short resumes where it stopped. Settings that save nothing or that a handler cannot size are
 * left out with a note.
 *
 * @example
 * ```ts
 * const sensitivity = await analyzeSensitivity(model, {
 *   data: { batches: [{ inputs: images, targets: labels }] },
 *   techniques: ['quantize'],
 *   onProgress: ({ done, total }) => console.error(`${done}/${total}`),
 * });
 * for (const layer of sensitivity.layers) console.log(layer.param, layer.entries.map(({ setting, metric }) => [setting.label, metric]));
 * ```
 */
export async function analyzeSensitivity(model: Model, options: SensitivityOptions): Promise<Sensitivity> {
  const { data, techniques, registry = defaultRegistry, cache, latency = false, signal, onProgress } = options;
  const settingsOf = options.settings ?? ((param: Param) => searchSettings(param, registry, techniques));
  const runner = await loadRunner('a sensitivity analysis', { field: 'data' });
  const reference = await measureModel(model, data, { latency, runner });
  const metric = reference.hasTargets ? (data.metric ?? 'accuracy') : undefined;
  const baseline: SensitivityRecord = { bytes: modelByteLength(model), params: countParams(model), ...reference.measurement };
  const modelKey = await modelHash(model);
  const dataKey = await dataHash(reference, metric);
  const notes: string[] = [];
  const planned = planLayers(model, settingsOf, registry, baseline, notes);
  const total = planned.reduce((sum, layer) => sum + layer.jobs.length, 0);
  let done = 0;
  const layers: LayerSensitivity[] = [];
  for (const layer of planned) {
    const entries: SensitivityEntry[] = [];
    for (const { setting, step } of layer.jobs) {
      signal?.throwIfAborted();
      const key = `${CACHE_KEY_VERSION}/${modelKey}/${dataKey}/${canonicalJson(step)}`;
      let record = await cache?.get(key);
      const cached = record !== undefined && (!latency || record.latencyMs !== undefined);
      if (!cached) {
        record = await measureStep(model, step, { data, latency, reference, registry, runner, ...(signal === undefined ? {} : { signal }) }, notes, layer.param, setting);
        if (record !== undefined) await cache?.set(key, record);
      }
      done++;
      onProgress?.({ done, total, param: layer.param, setting: setting.label, cached });
      if (record !== undefined) entries.push({ ...record, setting, step });
    }
    if (entries.length > 0) layers.push({ param: layer.param, include: layer.include, bytes: layer.bytes, params: layer.params, entries });
  }
  return { modelHash: modelKey, dataHash: dataKey, ...(metric === undefined ? {} : { metric }), baseline, layers, notes };
}

interface PlannedLayer {
  readonly param: string;
  readonly include: string;
  readonly bytes: number;
  readonly params: number;
  readonly jobs: readonly { readonly setting: SearchSetting; readonly step: RecipeStep }[];
}

/** Each param's settings that its handler can size and that save bytes or params. */
function planLayers(
  model: Model,
  settingsOf: (param: Param, registry: RecipeRegistry) => readonly SearchSetting[],
  registry: RecipeRegistry,
  baseline: SensitivityRecord,
  notes: string[],
): PlannedLayer[] {
  const planned: PlannedLayer[] = [];
  for (const param of model.params.values()) {
    const settings = settingsOf(param, registry);
    if (settings.length === 0) continue;
    const include = exactInclude(model, param.name);
    if (include === undefined) {
      notes.push(`${param.name}: left out, its name holds characters a glob cannot select alone`);
      continue;
    }
    const jobs: { setting: SearchSetting; step: RecipeStep }[] = [];
    for (const setting of settings) {
      const step: RecipeStep = { ...setting.step, include: [include] };
      try {
        const size = estimate(model, step, { registry });
        if (size.bytes < baseline.bytes || size.params < baseline.params) jobs.push({ setting, step });
      } catch (error) {
        if (!isWhittleError(error)) throw error;
        notes.push(`${param.name}: ${setting.label} left out (${error.detail})`);
      }
    }
    if (jobs.length > 0) planned.push({ param: param.name, include, bytes: byteLength(param.value), params: encodingParamCount(param.value), jobs });
  }
  return planned;
}

async function measureStep(
  model: Model,
  step: RecipeStep,
  context: {
    readonly data: SearchData;
    readonly latency: boolean;
    readonly reference: ReferenceRun;
    readonly registry: RecipeRegistry;
    readonly runner: Awaited<ReturnType<typeof loadRunner>>;
    readonly signal?: AbortSignal;
  },
  notes: string[],
  param: string,
  setting: SearchSetting,
): Promise<SensitivityRecord | undefined> {
  let changed: Model;
  try {
    changed = (await compress(model, [step], { registry: context.registry, ...(context.signal === undefined ? {} : { signal: context.signal }) })).model;
  } catch (error) {
    // A handler may refuse data its estimate could not see (a NaN weight, a float16 overflow).
    if (!isWhittleError(error) || context.signal?.aborted === true) throw error;
    notes.push(`${param}: ${setting.label} left out (${error.detail})`);
    return undefined;
  }
  const { measurement } = await measureModel(changed, context.data, { latency: context.latency, reference: context.reference, runner: context.runner });
  return { bytes: modelByteLength(changed), params: countParams(changed), ...measurement };
}

async function dataHash(reference: ReferenceRun, metric: SearchMetric | undefined): Promise<string> {
  const header = new TextEncoder().encode(JSON.stringify([metric ?? null, reference.measurement.metric ?? null, reference.outputs.map((batch) => batch.length)]));
  const parts = [header, ...reference.outputs.map((batch) => new Uint8Array(batch.buffer, batch.byteOffset, batch.byteLength))];
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return hex(await sha256(bytes));
}

/**
 * JSON with object keys sorted, so equal steps give equal keys whatever order their fields were
 * written in.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }); // '{"a":[2,{"c":4,"d":3}],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Throws when `sensitivity` has no layer to choose settings for. */
export function requireLayers(sensitivity: Sensitivity): void {
  if (sensitivity.layers.length === 0) {
    const reason = sensitivity.notes[0] === undefined ? 'no param takes a setting of the allowed techniques' : sensitivity.notes[0];
    throw new WhittleError('invalid-argument', `nothing to search over: ${reason}`, { field: 'techniques' });
  }
}
