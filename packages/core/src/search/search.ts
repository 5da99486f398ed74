/**
 * `search`: the recipe that meets a budget with the least estimated loss, chosen per layer from
 * measured sensitivities and verified by compressing and evaluating.
 */
import { WhittleError } from '../errors.ts';
import { countParams, modelByteLength } from '../model/model-queries.ts';
import type { Model } from '../model/types.ts';
import { compress } from '../recipe/compress.ts';
import { defaultRegistry } from '../recipe/default-registry.ts';
import { loadRunner } from '../recipe/load-runner.ts';
import type { Recipe } from '../recipe/types.ts';
import { chooseSettings, type ChoiceGroup } from './choose-settings.ts';
import { higherIsBetter, measureModel, type ModelMeasurement, type ReferenceRun } from './measure-model.ts';
import { modelHash } from './model-hash.ts';
import { paretoFlags } from './pareto-front.ts';
import { recipeFromChoices, type LayerChoice } from './recipe-from-choices.ts';
import { readSearchTarget, type SearchTarget, type SearchTargetField } from './search-target.ts';
import { analyzeSensitivity, canonicalJson, requireLayers, type Sensitivity, type SensitivityEntry, type SensitivityOptions, type SensitivityProgress } from './sensitivity.ts';

/** Options of {@link search}. */
export interface SearchOptions extends Omit<SensitivityOptions, 'latency' | 'onProgress'> {
  /** The one budget to meet. */
  readonly target: SearchTarget;
  /** Rounds of choose, compress and verify before giving up on a soft target; default 4. */
  readonly maxRounds?: number;
  /** Sensitivities measured before (for the same model, data and techniques): skips the analysis. */
  readonly sensitivity?: Sensitivity;
  /**
   * Also evaluate each uniform recipe (one setting on every layer that takes it), so the Pareto
   * front shows what the search gains over one setting everywhere; default true.
   */
  readonly uniform?: boolean;
  /** Progress: each sensitivity measured, each uniform recipe, then each recipe verified. */
  readonly onProgress?: (progress: SearchProgress) => void;
}

/** Where a search is. */
export type SearchProgress =
  | ({ readonly phase: 'sensitivity' } & SensitivityProgress)
  | { readonly phase: 'uniform'; readonly done: number; readonly total: number; readonly setting: string }
  | { readonly phase: 'verify'; readonly round: number; readonly measured: SearchFigures; readonly met: boolean };

/** A model's figures, as predicted from sensitivities or as measured. */
export interface SearchFigures {
  /** Bytes of every param's encoding (`modelByteLength`). */
  readonly bytes: number;
  /** Parameters (`countParams`). */
  readonly params: number;
  /** The metric on the data's targets; absent without targets. */
  readonly metric?: number;
  /** How far the outputs moved from the original's, Σ‖y − y₀‖² / Σ‖y₀‖². */
  readonly outputError?: number;
  readonly latencyMs?: number;
}

/** One model the search evaluated: the original, each one-layer change, each verified recipe. */
export interface SearchCandidate extends SearchFigures {
  /** `original`, `dense_1/kernel: int4`, `uniform: int4`, `recipe (round 1)`. */
  readonly label: string;
  readonly recipe: Recipe;
  /** The metric's drop from the original's plus the output error (with targets), else the output error: lower is better. */
  readonly loss: number;
  /** True when no other candidate is smaller with no more loss, or as small with less. */
  readonly pareto: boolean;
}

/** What {@link search} returns. */
export interface SearchResult {
  /** The chosen recipe: plain JSON that `compress` (and `whittle compress --recipe`) runs as it is. */
  readonly recipe: Recipe;
  /** The model `recipe` makes, as verified. */
  readonly model: Model;
  /** The budget it was given. */
  readonly target: SearchTarget;
  /** Whether the measured model meets the target (always, for `maxBytes` and `maxParams`). */
  readonly met: boolean;
  /** Each searched param's chosen setting (`keep` for params left as they are). */
  readonly choices: readonly LayerChoice[];
  /** The model as given. */
  readonly original: SearchFigures;
  /** The recipe's figures as the sensitivities predict them (each layer's change added up). */
  readonly predicted: SearchFigures;
  /** The recipe's figures, measured on the compressed model. */
  readonly measured: SearchFigures;
  /** Rounds of choose, compress and verify it took. */
  readonly rounds: number;
  /** True when the last choice was proven the least estimated loss within its budget. */
  readonly optimal: boolean;
  /** The metric, when the data has targets. */
  readonly metric?: string;
  /** Every model evaluated, each marked on or off the Pareto front of bytes against loss. */
  readonly candidates: readonly SearchCandidate[];
  /** The sensitivities the choice was made from (pass them to a later search to skip the analysis). */
  readonly sensitivity: Sensitivity;
}

/**
 * How much output error weighs beside the metric's drop when the data has targets. The drop
 * alone is too coarse to rank settings: on a few hundred samples it moves in steps of one sample
 * (0.2 % of 500), so 3 bits can measure a larger drop than 2 by chance, and 5 bits or 6 often
 * measure none. The output error (Σ‖y − y₀‖² / Σ‖y₀‖²) moves smoothly with the damage and adds
 * across layers; at weight 1 an error of 0.01 (an SQNR of 20 dB) counts as one point of accuracy.
 */
const OUTPUT_ERROR_WEIGHT = 1;

/** The most rounds of choose, compress and verify a search may be given. */
const MAX_ROUNDS = 100;

/**
 * Finds the recipe that meets `target` with the least estimated loss. First the sensitivity of
 * each layer to each setting (see `analyzeSensitivity`); then one setting per layer, as a
 * multiple-choice knapsack (Lagrangian relaxation, greedy repair, and a bounded exact search)
 * over the sizes the handlers' `estimate`s give and the losses measured; then the recipe is run
 * through `compress` and the result evaluated. When the result misses the target (losses of
 * layers do not add exactly, latency is noisy) the budget is tightened and the choice made again.
 *
 * A byte or param budget is always met by the returned model, measured; one that no choice of
 * the allowed settings reaches is an `invalid-argument` error naming the smallest reachable
 * size. A latency or metric-drop budget missed after `maxRounds` returns the last recipe tried,
 * with `met: false`. The search is deterministic: the same model, data and options give the same recipe.
 *
 * @example
 * ```ts
 * const result = await search(model, {
 *   target: { maxBytes: 60_000 },
 *   data: { batches: [{ inputs: images, targets: labels }] },
 *   techniques: ['quantize'],
 * });
 * console.log(JSON.stringify(result.recipe), result.measured.bytes, result.measured.metric);
 * ```
 */
export async function search(model: Model, options: SearchOptions): Promise<SearchResult> {
  const { field, value } = readSearchTarget(options.target);
  const { registry = defaultRegistry, signal, onProgress, maxRounds = 4 } = options;
  if (!Number.isSafeInteger(maxRounds) || maxRounds < 1 || maxRounds > MAX_ROUNDS) {
    throw new WhittleError('invalid-argument', `maxRounds must be a whole number from 1 to ${MAX_ROUNDS}`, { field: 'maxRounds' });
  }
  const latency = field === 'maxLatencyMs';
  const sensitivity =
    options.sensitivity ??
    (await analyzeSensitivity(model, {
      data: options.data,
      registry,
      latency,
      ...(options.techniques === undefined ? {} : { techniques: options.techniques }),
      ...(options.settings === undefined ? {} : { settings: options.settings }),
      ...(options.candidates === undefined ? {} : { candidates: options.candidates }),
      ...(options.cache === undefined ? {} : { cache: options.cache }),
      ...(signal === undefined ? {} : { signal }),
      ...(onProgress === undefined ? {} : { onProgress: (progress: SensitivityProgress) => onProgress({ phase: 'sensitivity', ...progress }) }),
    }));
  requireLayers(sensitivity);
  if (options.sensitivity !== undefined && options.sensitivity.modelHash !== (await modelHash(model))) {
    throw new WhittleError('invalid-argument', 'the sensitivities given were measured on another model', { field: 'sensitivity' });
  }
  if (field === 'maxAccuracyDrop' && sensitivity.metric === undefined) {
    throw new WhittleError('invalid-argument', 'maxAccuracyDrop needs data with targets (labels) to measure the metric on', { field: 'data' });
  }
  const original = figures(sensitivity.baseline);
  const lossOf = lossFunction(sensitivity);
  const appendedSteps = sensitivity.appended?.steps ?? [];
  const recipeOf = (choices: readonly LayerChoice[]): Recipe => [...recipeFromChoices(choices, registry), ...appendedSteps];
  const runner = await loadRunner('a search', { field: 'data' });
  const candidates: Omit<SearchCandidate, 'pareto'>[] = [{ label: 'original', recipe: [], ...original, loss: 0 }];
  for (const layer of sensitivity.layers) {
    for (const entry of layer.entries) candidates.push({ label: `${layer.param}: ${entry.setting.label}`, recipe: [...entry.steps], ...figures(entry), loss: lossOf(entry) });
  }

  const measurements = new Map<string, ModelMeasurement>();
  let reference: ReferenceRun | undefined;
  const measure = async (recipe: Recipe, compressed: Model): Promise<ModelMeasurement> => {
    const key = JSON.stringify(recipe);
    let measurement = measurements.get(key);
    if (measurement === undefined) {
      reference ??= await measureModel(model, options.data, { latency: false, runner });
      measurement = (await measureModel(compressed, options.data, { latency, reference, runner })).measurement;
      measurements.set(key, measurement);
    }
    return measurement;
  };
  if (options.uniform !== false) {
    const uniform = uniformRecipes(sensitivity, recipeOf);
    for (const [index, { label, recipe }] of uniform.entries()) {
      signal?.throwIfAborted();
      const { model: compressed } = await compress(model, recipe, { registry, ...(signal === undefined ? {} : { signal }) });
      const measured: SearchFigures = { bytes: modelByteLength(compressed), params: countParams(compressed), ...(await measure(recipe, compressed)) };
      candidates.push({ label: `uniform: ${label}`, recipe, ...measured, loss: lossOf(measured) });
      onProgress?.({ phase: 'uniform', done: index + 1, total: uniform.length, setting: label });
    }
  }

  let budget = value;
  let last: { recipe: Recipe; model: Model; measured: SearchFigures; predicted: SearchFigures; choices: LayerChoice[]; optimal: boolean; met: boolean } | undefined;
  let round = 0;
  while (round < maxRounds) {
    signal?.throwIfAborted();
    const plan = choose(sensitivity, field, budget, lossOf);
    if (plan === undefined) {
      if (round === 0 || field === 'maxBytes' || field === 'maxParams') throw unreachable(sensitivity, field, value);
      break;
    }
    round++;
    const recipe = recipeOf(plan.choices);
    const { model: compressed } = await compress(model, recipe, { registry, ...(signal === undefined ? {} : { signal }) });
    const measurement = await measure(recipe, compressed);
    const measured: SearchFigures = { bytes: modelByteLength(compressed), params: countParams(compressed), ...measurement };
    const met = meets(field, value, measured, original, sensitivity);
    candidates.push({ label: `recipe (round ${round})`, recipe, ...measured, loss: lossOf(measured) });
    last = { recipe, model: compressed, measured, predicted: plan.predicted, choices: plan.choices, optimal: plan.optimal, met };
    onProgress?.({ phase: 'verify', round, measured, met });
    if (met) break;
    budget = tighten(field, budget, value, measured, original);
  }
  if (last === undefined || (!last.met && (field === 'maxBytes' || field === 'maxParams'))) {
    throw new WhittleError('invalid-argument', `no verified recipe met ${field} ${value} in ${maxRounds} rounds`, { field: `target.${field}` });
  }
  const flags = paretoFlags(candidates);
  return {
    recipe: last.recipe,
    model: last.model,
    target: options.target,
    met: last.met,
    choices: last.choices,
    original,
    predicted: last.predicted,
    measured: last.measured,
    rounds: round,
    optimal: last.optimal,
    ...(sensitivity.metric === undefined ? {} : { metric: sensitivity.metric }),
    candidates: candidates.map((candidate, index) => ({ ...candidate, pareto: flags[index]! })),
    sensitivity,
  };
}

/** For each setting some layer takes, the recipe putting it on every layer that takes it, in order of first appearance. */
function uniformRecipes(sensitivity: Sensitivity, recipeOf: (choices: readonly LayerChoice[]) => Recipe): { label: string; recipe: Recipe }[] {
  const byStep = new Map<string, { label: string; choices: LayerChoice[] }>();
  for (const layer of sensitivity.layers) {
    for (const entry of layer.entries) {
      const key = canonicalJson(entry.setting.steps);
      let group = byStep.get(key);
      if (group === undefined) {
        group = { label: entry.setting.label, choices: [] };
        byStep.set(key, group);
      }
      group.choices.push({ param: layer.param, include: layer.include, setting: entry.setting });
    }
  }
  return [...byStep.values()].map(({ label, choices }) => ({ label, recipe: recipeOf(choices) }));
}

function figures(record: { bytes: number; params: number; metric?: number; outputError?: number; latencyMs?: number }): SearchFigures {
  const { bytes, params, metric, outputError, latencyMs } = record;
  return { bytes, params, ...(metric === undefined ? {} : { metric }), ...(outputError === undefined ? {} : { outputError }), ...(latencyMs === undefined ? {} : { latencyMs }) };
}

/** The metric's drop (never below 0) plus the output error with targets; the output error alone without. */
function lossFunction(sensitivity: Sensitivity): (figures: SearchFigures) => number {
  const { metric } = sensitivity;
  const base = sensitivity.baseline.metric;
  if (metric === undefined || base === undefined) return (figures) => figures.outputError ?? 0;
  return (figures) => drop(metric, base, figures.metric) + OUTPUT_ERROR_WEIGHT * (figures.outputError ?? 0);
}

function drop(metric: NonNullable<Sensitivity['metric']>, base: number, value: number | undefined): number {
  if (value === undefined) return 0;
  return Math.max(0, higherIsBetter(metric) ? base - value : value - base);
}

interface Plan {
  readonly choices: LayerChoice[];
  readonly predicted: SearchFigures;
  readonly optimal: boolean;
}

/**
 * One knapsack: each layer keeps its param or takes a measured setting. For a size or latency
 * budget the cost is the layer's size (or time) and the loss is minimised; for a drop budget the
 * cost is the drop and the bytes are minimised.
 */
function choose(sensitivity: Sensitivity, field: SearchTargetField, budget: number, lossOf: (figures: SearchFigures) => number): Plan | undefined {
  const { layers } = sensitivity;
  const baseline = comparedRecord(sensitivity);
  const base = baseline.metric;
  const metricName = sensitivity.metric;
  const baseLoss = lossOf(baseline);
  const groups: ChoiceGroup[] = layers.map((layer) => {
    const keep = { cost: field === 'maxBytes' ? layer.bytes : field === 'maxParams' ? layer.params : 0, loss: 0 };
    const options = layer.entries.map((entry) => optionOf(entry, layer, field, baseline, (figures) => Math.max(0, lossOf(figures) - baseLoss), base, metricName));
    return [field === 'maxAccuracyDrop' ? { cost: 0, loss: layer.bytes } : keep, ...options];
  });
  // Costs shifted so each group's cheapest is 0: a latency saving is a negative cost.
  const shifts = groups.map((group) => Math.min(...group.map(({ cost }) => cost)));
  const shifted = groups.map((group, index) => group.map(({ cost, loss }) => ({ cost: cost - shifts[index]!, loss })));
  const fixed = field === 'maxBytes' ? baseline.bytes - sum(layers.map(({ bytes }) => bytes)) : field === 'maxParams' ? baseline.params - sum(layers.map(({ params }) => params)) : field === 'maxLatencyMs' ? (baseline.latencyMs ?? 0) : 0;
  const choice = chooseSettings(shifted, budget - fixed - sum(shifts));
  if (choice === undefined) return undefined;
  const choices: LayerChoice[] = layers.map((layer, index) => {
    const pick = choice.picks[index]!;
    return pick === 0 ? { param: layer.param, include: layer.include, setting: undefined } : { param: layer.param, include: layer.include, setting: layer.entries[pick - 1]!.setting };
  });
  return { choices, predicted: predict(sensitivity, choice.picks), optimal: choice.optimal };
}

function optionOf(
  entry: SensitivityEntry,
  layer: Sensitivity['layers'][number],
  field: SearchTargetField,
  baseline: Sensitivity['baseline'],
  lossOf: (figures: SearchFigures) => number,
  base: number | undefined,
  metricName: Sensitivity['metric'],
): { cost: number; loss: number } {
  const bytes = layer.bytes + ownChange(entry, baseline, 'bytes');
  if (field === 'maxAccuracyDrop') return { cost: metricName === undefined || base === undefined ? 0 : drop(metricName, base, entry.metric), loss: bytes };
  const loss = lossOf(entry);
  if (field === 'maxBytes') return { cost: bytes, loss };
  if (field === 'maxParams') return { cost: layer.params + ownChange(entry, baseline, 'params'), loss };
  return { cost: (entry.latencyMs ?? baseline.latencyMs ?? 0) - (baseline.latencyMs ?? 0), loss };
}

/** What the model is compared with: the original, or the original after the appended steps. */
function comparedRecord(sensitivity: Sensitivity): Sensitivity['baseline'] {
  return sensitivity.appended?.record ?? sensitivity.baseline;
}

/**
 * What an entry changes of the model's bytes or params, counting no saving on params other than
 * its own: structured pruning also narrows the next layer, whose own setting may already have
 * shrunk it, so those savings do not add. Left out, the prediction stays at or above the size.
 */
function ownChange(entry: SensitivityEntry, baseline: Sensitivity['baseline'], key: 'bytes' | 'params'): number {
  return entry[key] + (key === 'bytes' ? (entry.otherBytesSaved ?? 0) : (entry.otherParamsSaved ?? 0)) - baseline[key];
}

/** The figures of a choice, summing each chosen setting's change from the original. */
function predict(sensitivity: Sensitivity, picks: readonly number[]): SearchFigures {
  const baseline = comparedRecord(sensitivity);
  let bytes = baseline.bytes;
  let params = baseline.params;
  let metric = baseline.metric;
  let outputError = baseline.outputError;
  let latencyMs = baseline.latencyMs;
  for (const [index, pick] of picks.entries()) {
    if (pick === 0) continue;
    const entry = sensitivity.layers[index]!.entries[pick - 1]!;
    bytes += ownChange(entry, baseline, 'bytes');
    params += ownChange(entry, baseline, 'params');
    if (metric !== undefined && entry.metric !== undefined) metric += entry.metric - baseline.metric!;
    outputError += Math.max(0, entry.outputError - baseline.outputError);
    if (latencyMs !== undefined && entry.latencyMs !== undefined) latencyMs += entry.latencyMs - baseline.latencyMs!;
  }
  return { bytes, params, ...(metric === undefined ? {} : { metric }), outputError, ...(latencyMs === undefined ? {} : { latencyMs }) };
}

function meets(field: SearchTargetField, value: number, measured: SearchFigures, original: SearchFigures, sensitivity: Sensitivity): boolean {
  if (field === 'maxBytes') return measured.bytes <= value;
  if (field === 'maxParams') return measured.params <= value;
  if (field === 'maxLatencyMs') return (measured.latencyMs ?? Number.POSITIVE_INFINITY) <= value;
  return drop(sensitivity.metric!, original.metric!, measured.metric) <= value;
}

/** A smaller budget for the next round, by how far the last one missed. */
function tighten(field: SearchTargetField, budget: number, value: number, measured: SearchFigures, original: SearchFigures): number {
  if (field === 'maxBytes') return budget - (measured.bytes - value) - 1;
  if (field === 'maxParams') return budget - (measured.params - value) - 1;
  if (field === 'maxLatencyMs') return budget * (value / Math.max(measured.latencyMs ?? value, Number.MIN_VALUE)) * 0.95;
  const missed = Math.max(Math.abs((original.metric ?? 0) - (measured.metric ?? 0)), Number.MIN_VALUE);
  return budget * Math.min(0.8, value / missed);
}

function unreachable(sensitivity: Sensitivity, field: SearchTargetField, value: number): WhittleError {
  const { layers } = sensitivity;
  const baseline = comparedRecord(sensitivity);
  if (field === 'maxBytes' || field === 'maxParams') {
    const key = field === 'maxBytes' ? 'bytes' : 'params';
    const smallest = baseline[key] + sum(layers.map((layer) => Math.min(0, ...layer.entries.map((entry) => ownChange(entry, baseline, key)))));
    const unit = field === 'maxBytes' ? 'bytes' : 'params';
    return new WhittleError('invalid-argument', `no recipe of the allowed settings reaches ${value} ${unit}: the smallest reachable is ${smallest} ${unit}`, { field: `target.${field}` });
  }
  if (field === 'maxLatencyMs') {
    const fastest = (baseline.latencyMs ?? 0) + sum(layers.map((layer) => Math.min(0, ...layer.entries.map((entry) => (entry.latencyMs ?? baseline.latencyMs ?? 0) - (baseline.latencyMs ?? 0)))));
    return new WhittleError('invalid-argument', `no recipe of the allowed settings reaches ${value} ms: the fastest estimated is ${fastest.toFixed(3)} ms`, { field: `target.${field}` });
  }
  return new WhittleError('invalid-argument', `no recipe of the allowed settings keeps the drop within ${value}`, { field: `target.${field}` });
}

function sum(values: readonly number[]): number {
  return values.reduce((total, item) => total + item, 0);
}
