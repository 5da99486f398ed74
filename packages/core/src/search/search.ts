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
import { chooseSettings, type Choice, type ChoiceGroup } from './choose-settings.ts';
import { measureModel, type ModelMeasurement, type ReferenceRun } from './measure-model.ts';
import { modelHash } from './model-hash.ts';
import { paretoFlags } from './pareto-front.ts';
import { recipeFromChoices, type LayerChoice } from './recipe-from-choices.ts';
import { defaultSearchLoss, metricChange, searchLossFunction, type SearchLoss } from './search-loss.ts';
import { readSearchTarget, type SearchTarget, type SearchTargetField } from './search-target.ts';
import { analyzeSensitivity, canonicalJson, requireLayers, type Sensitivity, type SensitivityEntry, type SensitivityOptions, type SensitivityProgress } from './sensitivity.ts';

/** Options of {@link search}. */
export interface SearchOptions extends Omit<SensitivityOptions, 'latency' | 'onProgress'> {
  /** The one budget to meet. */
  readonly target: SearchTarget;
  /** Rounds of choose, compress and verify before giving up on a soft target; default 4. */
  readonly maxRounds?: number;
  /**
   * What the search minimises (see `SEARCH_LOSSES`): by default `divergence` where the outputs
   * are class scores, else `metric` where the data has targets, else `output-error`.
   */
  readonly loss?: SearchLoss;
  /**
   * The most plans verified in a round: besides the knapsack's best, the next best plans (each
   * differing from it on some layer) whose predicted loss is within `planMargin` of the best's are
   * also compressed and measured, and the one that measures the least loss on the data wins;
   * default 4, and 1 verifies the best alone. Predicted losses add up each layer's change alone,
   * so plans predicted close together may measure in either order. Size and latency budgets only.
   */
  readonly plans?: number;
  /**
   * How far above the best plan's predicted loss another plan may be predicted and still be
   * verified, as a fraction of the best's; default 0.5.
   */
  readonly planMargin?: number;
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
  | { readonly phase: 'verify'; readonly round: number; readonly plan: number; readonly measured: SearchFigures; readonly met: boolean };

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
  /** Mean KL divergence of the output distributions from the original's, where the outputs are class scores. */
  readonly divergence?: number;
  readonly latencyMs?: number;
}

/** One model the search evaluated: the original, each one-layer change, each verified recipe. */
export interface SearchCandidate extends SearchFigures {
  /** `original`, `dense_1/kernel: int4`, `uniform: int4`, `recipe (round 1)`, `recipe (round 1, plan 2)`. */
  readonly label: string;
  readonly recipe: Recipe;
  /** The search's loss (see `SearchResult.loss`): lower is better, 0 for the original. */
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
  /**
   * True when the knapsack's choice in the last round was proven the least predicted loss within
   * its budget (the verification may still return another plan that measured less loss).
   */
  readonly optimal: boolean;
  /** What the search minimised. */
  readonly loss: SearchLoss;
  /** The metric, when the data has targets. */
  readonly metric?: string;
  /** Every model evaluated, each marked on or off the Pareto front of bytes against loss. */
  readonly candidates: readonly SearchCandidate[];
  /** The sensitivities the choice was made from (pass them to a later search to skip the analysis). */
  readonly sensitivity: Sensitivity;
}

/** The most rounds of choose, compress and verify a search may be given. */
const MAX_ROUNDS = 100;

/** The most plans a round may verify. */
const MAX_PLANS = 64;

const DEFAULT_PLANS = 4;
const DEFAULT_PLAN_MARGIN = 0.5;

/**
 * Finds the recipe that meets `target` with the least loss. First the sensitivity of each layer
 * to each setting (see `analyzeSensitivity`); then one setting per layer, as a multiple-choice
 * knapsack (Lagrangian relaxation, greedy repair, and a bounded exact search) over the sizes the
 * handlers' `estimate`s give and the losses measured (by default the KL divergence of the
 * outputs from the original's, for a classifier: see `SEARCH_LOSSES`). The best plan, and the
 * next best ones predicted within `planMargin` of it, are run through `compress` and measured on
 * the data; the one measuring the least loss within the budget wins (a uniform recipe measured
 * alongside, when it fits and measures less, is returned instead). When every plan misses the
 * target (losses of layers do not add exactly, latency is noisy) the budget is tightened and the
 * choice made again.
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
  const { registry = defaultRegistry, signal, onProgress, maxRounds = 4, plans: planCount = DEFAULT_PLANS, planMargin = DEFAULT_PLAN_MARGIN } = options;
  if (!Number.isSafeInteger(maxRounds) || maxRounds < 1 || maxRounds > MAX_ROUNDS) {
    throw new WhittleError('invalid-argument', `maxRounds must be a whole number from 1 to ${MAX_ROUNDS}`, { field: 'maxRounds' });
  }
  if (!Number.isSafeInteger(planCount) || planCount < 1 || planCount > MAX_PLANS) {
    throw new WhittleError('invalid-argument', `plans must be a whole number from 1 to ${MAX_PLANS}`, { field: 'plans' });
  }
  if (typeof planMargin !== 'number' || !Number.isFinite(planMargin) || planMargin < 0) {
    throw new WhittleError('invalid-argument', 'planMargin must be a finite number ≥ 0', { field: 'planMargin' });
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
  const loss = options.loss ?? defaultSearchLoss(sensitivity);
  const lossOf = searchLossFunction(sensitivity, loss);
  const original = figures(sensitivity.baseline);
  const appendedSteps = sensitivity.appended?.steps ?? [];
  const recipeOf = (choices: readonly LayerChoice[]): Recipe => [...recipeFromChoices(choices, registry), ...appendedSteps];
  const runner = await loadRunner('a search', { field: 'data' });
  const candidates: Omit<SearchCandidate, 'pareto'>[] = [{ label: 'original', recipe: [], ...original, loss: lossOf(original) }];
  for (const layer of sensitivity.layers) {
    for (const entry of layer.entries) candidates.push({ label: `${layer.param}: ${entry.setting.label}`, recipe: [...entry.steps], ...figures(entry), loss: lossOf(entry) });
  }

  const measurements = new Map<string, ModelMeasurement>();
  let reference: ReferenceRun | undefined;
  const compressAndMeasure = async (recipe: Recipe): Promise<{ model: Model; measured: SearchFigures }> => {
    const { model: compressed } = await compress(model, recipe, { registry, ...(signal === undefined ? {} : { signal }) });
    const key = JSON.stringify(recipe);
    let measurement = measurements.get(key);
    if (measurement === undefined) {
      reference ??= await measureModel(model, options.data, { latency: false, runner });
      measurement = (await measureModel(compressed, options.data, { latency, reference, runner })).measurement;
      measurements.set(key, measurement);
    }
    return { model: compressed, measured: { bytes: modelByteLength(compressed), params: countParams(compressed), ...measurement } };
  };
  // Only where the loss is what is minimised: under a drop budget the least bytes win instead.
  const rankedByLoss = field !== 'maxAccuracyDrop';
  const uniform: Verified[] = [];
  if (options.uniform !== false) {
    const plans = uniformPlans(sensitivity);
    for (const [index, { label, picks }] of plans.entries()) {
      signal?.throwIfAborted();
      const choices = choicesOf(sensitivity, picks);
      const recipe = recipeOf(choices);
      const { measured } = await compressAndMeasure(recipe);
      candidates.push({ label: `uniform: ${label}`, recipe, ...measured, loss: lossOf(measured) });
      uniform.push({ recipe, choices, predicted: predict(sensitivity, picks), optimal: false, measured, met: meets(field, value, measured, original, sensitivity) });
      onProgress?.({ phase: 'uniform', done: index + 1, total: plans.length, setting: label });
    }
  }

  let budget = value;
  let last: (Verified & { model?: Model }) | undefined;
  let round = 0;
  while (round < maxRounds) {
    signal?.throwIfAborted();
    const plans = choosePlans(sensitivity, field, budget, lossOf, rankedByLoss ? planCount : 1, planMargin);
    if (plans.length === 0) {
      if (round === 0 || field === 'maxBytes' || field === 'maxParams') throw unreachable(sensitivity, field, value);
      break;
    }
    round++;
    let winner: (Verified & { model?: Model }) | undefined;
    let first: (Verified & { model?: Model }) | undefined;
    for (const [index, plan] of plans.entries()) {
      signal?.throwIfAborted();
      const recipe = recipeOf(plan.choices);
      const { model: compressed, measured } = await compressAndMeasure(recipe);
      const met = meets(field, value, measured, original, sensitivity);
      candidates.push({ label: index === 0 ? `recipe (round ${round})` : `recipe (round ${round}, plan ${index + 1})`, recipe, ...measured, loss: lossOf(measured) });
      onProgress?.({ phase: 'verify', round, plan: index + 1, measured, met });
      const verified = { recipe, model: compressed, measured, predicted: plan.predicted, choices: plan.choices, optimal: plans[0]!.optimal, met };
      first ??= verified;
      if (met && (winner === undefined || lossOf(measured) < lossOf(winner.measured))) winner = verified;
    }
    if (winner !== undefined) {
      // A uniform recipe is one more plan in the same space, measured on the same data.
      if (rankedByLoss) for (const other of uniform) if (other.met && lossOf(other.measured) < lossOf(winner.measured)) winner = { ...other, optimal: winner.optimal };
      last = winner;
      break;
    }
    last = first;
    budget = tighten(field, budget, value, first!.measured, original);
  }
  if (last === undefined || (!last.met && (field === 'maxBytes' || field === 'maxParams'))) {
    throw new WhittleError('invalid-argument', `no verified recipe met ${field} ${value} in ${maxRounds} rounds`, { field: `target.${field}` });
  }
  const flags = paretoFlags(candidates);
  return {
    recipe: last.recipe,
    model: last.model ?? (await compress(model, last.recipe, { registry, ...(signal === undefined ? {} : { signal }) })).model,
    target: options.target,
    met: last.met,
    choices: last.choices,
    original,
    predicted: last.predicted,
    measured: last.measured,
    rounds: round,
    optimal: last.optimal,
    loss,
    ...(sensitivity.metric === undefined ? {} : { metric: sensitivity.metric }),
    candidates: candidates.map((candidate, index) => ({ ...candidate, pareto: flags[index]! })),
    sensitivity,
  };
}

/** A recipe compressed and measured. */
interface Verified {
  readonly recipe: Recipe;
  readonly choices: LayerChoice[];
  readonly predicted: SearchFigures;
  readonly optimal: boolean;
  readonly measured: SearchFigures;
  readonly met: boolean;
}

/**
 * For each setting some layer takes, the picks putting it on every layer that takes it (0, keep,
 * elsewhere), in order of first appearance.
 */
function uniformPlans(sensitivity: Sensitivity): { label: string; picks: number[] }[] {
  const bySteps = new Map<string, { label: string; picks: number[] }>();
  for (const [index, layer] of sensitivity.layers.entries()) {
    for (const [position, entry] of layer.entries.entries()) {
      const key = canonicalJson(entry.setting.steps);
      let plan = bySteps.get(key);
      if (plan === undefined) {
        plan = { label: entry.setting.label, picks: new Array<number>(sensitivity.layers.length).fill(0) };
        bySteps.set(key, plan);
      }
      plan.picks[index] = position + 1;
    }
  }
  return [...bySteps.values()];
}

/** Each layer's setting for `picks` (0 keeps the param, i picks entry i − 1). */
function choicesOf(sensitivity: Sensitivity, picks: readonly number[]): LayerChoice[] {
  return sensitivity.layers.map((layer, index) => {
    const pick = picks[index]!;
    return { param: layer.param, include: layer.include, setting: pick === 0 ? undefined : layer.entries[pick - 1]!.setting };
  });
}

function figures(record: { bytes: number; params: number; metric?: number; outputError?: number; divergence?: number; latencyMs?: number }): SearchFigures {
  const { bytes, params, metric, outputError, divergence, latencyMs } = record;
  return {
    bytes,
    params,
    ...(metric === undefined ? {} : { metric }),
    ...(outputError === undefined ? {} : { outputError }),
    ...(divergence === undefined ? {} : { divergence }),
    ...(latencyMs === undefined ? {} : { latencyMs }),
  };
}

/** The metric's drop, never below 0: what a drop budget counts. */
function drop(metric: NonNullable<Sensitivity['metric']>, base: number, value: number | undefined): number {
  return Math.max(0, metricChange(metric, base, value));
}

interface Plan {
  readonly choices: LayerChoice[];
  readonly predicted: SearchFigures;
  readonly optimal: boolean;
}

/**
 * The knapsack's best plan within `budget`, then up to `count − 1` others: for each layer, the
 * best plan that gives it another setting, kept where its predicted loss is within `margin` of
 * the best's (as a fraction of it), least predicted loss first. Empty when nothing fits.
 */
function choosePlans(
  sensitivity: Sensitivity,
  field: SearchTargetField,
  budget: number,
  lossOf: (figures: SearchFigures) => number,
  count: number,
  margin: number,
): Plan[] {
  const { groups, capacity } = knapsack(sensitivity, field, budget, lossOf);
  const best = chooseSettings(groups, capacity);
  if (best === undefined) return [];
  const planOf = (choice: Pick<Choice, 'picks' | 'optimal'>): Plan => ({ choices: choicesOf(sensitivity, choice.picks), predicted: predict(sensitivity, choice.picks), optimal: choice.optimal });
  const plans = [planOf(best)];
  if (count === 1) return plans;
  const seen = new Set([best.picks.join(',')]);
  const limit = best.loss + margin * Math.abs(best.loss);
  const others: { picks: number[]; loss: number }[] = [];
  for (const [index, group] of groups.entries()) {
    if (group.length < 2) continue;
    const excluded = best.picks[index]!;
    const narrowed = groups.map((options, position) => (position === index ? options.filter((_, option) => option !== excluded) : options));
    const other = chooseSettings(narrowed, capacity);
    if (other === undefined || other.loss > limit) continue;
    const picks = other.picks.map((pick, position) => (position === index && pick >= excluded ? pick + 1 : pick));
    const key = picks.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    others.push({ picks, loss: other.loss });
  }
  // A stable sort: equal losses keep the order of the layers they differ on.
  others.sort((left, right) => left.loss - right.loss);
  for (const other of others.slice(0, count - 1)) plans.push(planOf({ picks: other.picks, optimal: false }));
  return plans;
}

/**
 * One knapsack: each layer keeps its param (option 0) or takes a measured setting (option i is
 * entry i − 1). For a size or latency budget the cost is the layer's size (or time) and the loss
 * is minimised; for a drop budget the cost is the drop and the bytes are minimised. Costs are
 * shifted so each group's cheapest is 0 (a latency saving is a negative cost); `capacity` is the
 * budget left for them.
 */
function knapsack(sensitivity: Sensitivity, field: SearchTargetField, budget: number, lossOf: (figures: SearchFigures) => number): { groups: ChoiceGroup[]; capacity: number } {
  const { layers } = sensitivity;
  const baseline = comparedRecord(sensitivity);
  const base = baseline.metric;
  const metricName = sensitivity.metric;
  const baseLoss = lossOf(baseline);
  const groups: ChoiceGroup[] = layers.map((layer) => {
    const keep = { cost: field === 'maxBytes' ? layer.bytes : field === 'maxParams' ? layer.params : 0, loss: 0 };
    const options = layer.entries.map((entry) => optionOf(entry, layer, field, baseline, (figures) => lossOf(figures) - baseLoss, base, metricName));
    return [field === 'maxAccuracyDrop' ? { cost: 0, loss: layer.bytes } : keep, ...options];
  });
  const shifts = groups.map((group) => Math.min(...group.map(({ cost }) => cost)));
  const shifted = groups.map((group, index) => group.map(({ cost, loss }) => ({ cost: cost - shifts[index]!, loss })));
  const fixed = field === 'maxBytes' ? baseline.bytes - sum(layers.map(({ bytes }) => bytes)) : field === 'maxParams' ? baseline.params - sum(layers.map(({ params }) => params)) : field === 'maxLatencyMs' ? (baseline.latencyMs ?? 0) : 0;
  return { groups: shifted, capacity: budget - fixed - sum(shifts) };
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
  let divergence = baseline.divergence;
  let latencyMs = baseline.latencyMs;
  for (const [index, pick] of picks.entries()) {
    if (pick === 0) continue;
    const entry = sensitivity.layers[index]!.entries[pick - 1]!;
    bytes += ownChange(entry, baseline, 'bytes');
    params += ownChange(entry, baseline, 'params');
    if (metric !== undefined && entry.metric !== undefined) metric += entry.metric - baseline.metric!;
    outputError += Math.max(0, entry.outputError - baseline.outputError);
    if (divergence !== undefined && entry.divergence !== undefined) divergence += Math.max(0, entry.divergence - baseline.divergence!);
    if (latencyMs !== undefined && entry.latencyMs !== undefined) latencyMs += entry.latencyMs - baseline.latencyMs!;
  }
  return { bytes, params, ...(metric === undefined ? {} : { metric }), outputError, ...(divergence === undefined ? {} : { divergence }), ...(latencyMs === undefined ? {} : { latencyMs }) };
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
