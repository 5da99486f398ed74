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
import { validateRecipe } from '../recipe/validate-recipe.ts';
import { candidateSettings, readCandidateSpace, type SearchCandidateSpace } from './candidate-space.ts';
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
  /**
   * The settings as plain data instead (sparsities × bits × methods, and steps appended to every
   * recipe); see `candidateSettings`. Not with `settings`.
   */
  readonly candidates?: SearchCandidateSpace;
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
  /** The steps as they ran: the setting's steps, each with an `include` naming the param, then the appended steps. */
  readonly steps: readonly RecipeStep[];
}

/** The settings of one param, measured. */
export interface LayerSensitivity {
  readonly param: string;
  /** The glob that selects this param alone. */
  readonly include: string;
  /** The param's bytes as it is (after the appended steps alone, when there are any). */
  readonly bytes: number;
  /** The param's elements as it is (after the appended steps alone, when there are any). */
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
  /**
   * The steps appended to every candidate (the candidate space's `then`) and the model after them
   * alone: what each layer's entries differ from. Absent when nothing is appended.
   */
  readonly appended?: { readonly steps: readonly RecipeStep[]; readonly record: SensitivityRecord };
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
  if (options.settings !== undefined && options.candidates !== undefined) {
    throw new WhittleError('invalid-argument', 'give settings or candidates, not both', { field: 'candidates' });
  }
  const space = options.candidates === undefined ? undefined : readCandidateSpace(options.candidates);
  const appendedSteps = space?.then ?? [];
  // Checked before anything runs, so a bad appended step fails at once with its own field.
  if (appendedSteps.length > 0) validateRecipe(appendedSteps, registry);
  const settingsOf =
    options.settings ?? (space === undefined ? (param: Param) => searchSettings(param, registry, techniques) : (param: Param) => candidateSettings(param, registry, space, techniques));
  const runner = await loadRunner('a sensitivity analysis', { field: 'data' });
  const reference = await measureModel(model, data, { latency, runner });
  const metric = reference.hasTargets ? (data.metric ?? 'accuracy') : undefined;
  const baseline: SensitivityRecord = { bytes: modelByteLength(model), params: countParams(model), ...reference.measurement };
  let appended: Sensitivity['appended'];
  let comparedModel = model;
  if (appendedSteps.length > 0) {
    comparedModel = (await compress(model, appendedSteps, { registry, ...(signal === undefined ? {} : { signal }) })).model;
    const { measurement } = await measureModel(comparedModel, data, { latency, reference, runner });
    appended = { steps: appendedSteps, record: { bytes: modelByteLength(comparedModel), params: countParams(comparedModel), ...measurement } };
  }
  const modelKey = await modelHash(model);
  const dataKey = await dataHash(reference, metric);
  const notes: string[] = [];
  const planned = planLayers(model, comparedModel, settingsOf, registry, appendedSteps, notes);
  const total = planned.reduce((sum, layer) => sum + layer.jobs.length, 0);
  let done = 0;
  const layers: LayerSensitivity[] = [];
  for (const layer of planned) {
    const entries: SensitivityEntry[] = [];
    for (const { setting, steps } of layer.jobs) {
      signal?.throwIfAborted();
      // One step keeps the key it always had, so caches written before sequences stay valid.
      const key = `${CACHE_KEY_VERSION}/${modelKey}/${dataKey}/${canonicalJson(steps.length === 1 ? steps[0] : steps)}`;
      let record = await cache?.get(key);
      // A record from before divergences were measured lacks one: measured again, like a missing latency.
      const cached = record !== undefined && (!latency || record.latencyMs !== undefined) && (reference.scores === undefined || record.divergence !== undefined);
      if (!cached) {
        const context = { data, latency, reference, registry, runner, compared: comparedModel, ...(signal === undefined ? {} : { signal }) };
        record = await measureSteps(model, steps, context, notes, layer.param, setting);
        if (record !== undefined) await cache?.set(key, record);
      }
      done++;
      onProgress?.({ done, total, param: layer.param, setting: setting.label, cached });
      const compared = appended?.record ?? baseline;
      // A sequence is sized by running it: one that saves nothing is left out once measured.
      if (record !== undefined && record.bytes >= compared.bytes && record.params >= compared.params) {
        notes.push(`${layer.param}: ${setting.label} left out (it saves nothing)`);
        record = undefined;
      }
      if (record !== undefined) entries.push({ ...record, setting, steps });
    }
    if (entries.length > 0) layers.push({ param: layer.param, include: layer.include, bytes: layer.bytes, params: layer.params, entries });
  }
  return { modelHash: modelKey, dataHash: dataKey, ...(metric === undefined ? {} : { metric }), baseline, ...(appended === undefined ? {} : { appended }), layers, notes };
}

interface PlannedLayer {
  readonly param: string;
  readonly include: string;
  readonly bytes: number;
  readonly params: number;
  readonly jobs: readonly { readonly setting: SearchSetting; readonly steps: readonly RecipeStep[] }[];
}

/**
 * Each param's settings that its handlers can size and whose first step saves bytes or params
 * (by the handler's `estimate`); a sequence is validated whole here and sized when it runs.
 */
function planLayers(
  model: Model,
  compared: Model,
  settingsOf: (param: Param, registry: RecipeRegistry) => readonly SearchSetting[],
  registry: RecipeRegistry,
  appendedSteps: readonly RecipeStep[],
  notes: string[],
): PlannedLayer[] {
  const planned: PlannedLayer[] = [];
  const bytes = modelByteLength(model);
  const params = countParams(model);
  for (const param of model.params.values()) {
    const settings = settingsOf(param, registry);
    if (settings.length === 0) continue;
    const include = exactInclude(model, param.name);
    if (include === undefined) {
      notes.push(`${param.name}: left out, its name holds characters a glob cannot select alone`);
      continue;
    }
    const jobs: { setting: SearchSetting; steps: RecipeStep[] }[] = [];
    for (const setting of settings) {
      if (setting.steps.length === 0) {
        notes.push(`${param.name}: ${setting.label} left out (it has no step)`);
        continue;
      }
      const steps: RecipeStep[] = [...setting.steps.map((step) => ({ ...step, include: [include] })), ...appendedSteps];
      try {
        if (steps.length > 1) validateRecipe(steps, registry);
        const size = estimate(model, steps[0]!, { registry });
        if (size.bytes < bytes || size.params < params) jobs.push({ setting, steps });
      } catch (error) {
        if (!isWhittleError(error)) throw error;
        notes.push(`${param.name}: ${setting.label} left out (${error.detail})`);
      }
    }
    const comparedParam = compared.params.get(param.name) ?? param;
    if (jobs.length > 0) planned.push({ param: param.name, include, bytes: byteLength(comparedParam.value), params: encodingParamCount(comparedParam.value), jobs });
  }
  return planned;
}

async function measureSteps(
  model: Model,
  steps: readonly RecipeStep[],
  context: {
    /** The model the change is compared with: the original, or the original after the appended steps. */
    readonly compared: Model;
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
    changed = (await compress(model, steps, { registry: context.registry, ...(context.signal === undefined ? {} : { signal: context.signal }) })).model;
  } catch (error) {
    // A handler may refuse data its estimate could not see (a NaN weight, a float16 overflow).
    if (!isWhittleError(error) || context.signal?.aborted === true) throw error;
    notes.push(`${param}: ${setting.label} left out (${error.detail})`);
    return undefined;
  }
  const { measurement } = await measureModel(changed, context.data, { latency: context.latency, reference: context.reference, runner: context.runner });
  let otherBytesSaved = 0;
  let otherParamsSaved = 0;
  for (const before of context.compared.params.values()) {
    if (before.name === param) continue;
    const after = changed.params.get(before.name);
    if (after === undefined) continue;
    otherBytesSaved += Math.max(0, byteLength(before.value) - byteLength(after.value));
    otherParamsSaved += Math.max(0, encodingParamCount(before.value) - encodingParamCount(after.value));
  }
  return {
    bytes: modelByteLength(changed),
    params: countParams(changed),
    ...measurement,
    ...(otherBytesSaved === 0 ? {} : { otherBytesSaved }),
    ...(otherParamsSaved === 0 ? {} : { otherParamsSaved }),
  };
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
