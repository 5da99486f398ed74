import {
  analyzeSensitivity,
  canonicalJson,
  compress,
  isWhittleError,
  measureModel,
  modelByteLength,
  recipeFromChoices,
  search,
  type LayerChoice,
  type Model,
  type SearchCandidateSpace,
  type RecipeRegistry,
  type SearchData,
} from '@whittle/core';
import type { ResultRow } from '../../result-row.ts';

/** What {@link searchedAgainstUniform} is given. */
export interface SearchComparisonContext {
  /** The model's name in rows (`mnist mlp 784-128-64-10`). */
  readonly name: string;
  readonly model: Model;
  /** The digits the search chooses on (sensitivities, verification). */
  readonly selection: SearchData;
  /** Other digits, every reported accuracy is scored on. */
  readonly evaluation: SearchData;
  readonly space: SearchCandidateSpace;
  /** Where the candidate kinds are looked up (the bench registers nothing globally). */
  readonly registry: RecipeRegistry;
  /** Budgets as divisors of the float32 bytes. */
  readonly divisors: readonly number[];
  readonly backend: string;
  readonly progress: (message: string) => void;
}

/** A uniform recipe: one setting on every layer that takes it, with its size, accuracy and divergence. */
interface UniformResult {
  readonly label: string;
  readonly bytes: number;
  readonly accuracy: number;
  readonly divergence: number;
}

/** What a model scores on the evaluation digits: accuracy, and the mean KL divergence of its outputs from the float32 model's. */
interface Scores {
  readonly accuracy: number;
  readonly divergence: number;
}

/**
 * For each budget (float32 bytes / divisor), the recipe `search` chooses per layer from `space`
 * against the most accurate uniform recipe (one setting of the same space on every layer) that
 * fits the same budget, both scored on the evaluation digits the search never saw (accuracy, and the
 * mean KL divergence of the outputs from the float32 model's). Sensitivities
 * are measured once per model and reused by every budget; the uniform recipes likewise.
 *
 * @example
 * ```ts
 * const { rows, notes } = await searchedAgainstUniform({ name: 'mlp', model, selection, evaluation, space, registry, divisors: [8, 16, 32], backend: 'wasm', progress: console.log });
 * ```
 */
export async function searchedAgainstUniform(context: SearchComparisonContext): Promise<{ rows: ResultRow[]; notes: string[] }> {
  const { name, model, selection, evaluation, space, divisors, backend, progress, registry } = context;
  const reference = await measureModel(model, evaluation, { latency: false });
  // The divergence on the evaluation digits is continuous: where accuracies differ by a few digits, it says which model stayed closer to float32.
  const score = async (candidate: Model): Promise<Scores> => {
    const { measurement } = await measureModel(candidate, evaluation, { latency: false, reference });
    return { accuracy: measurement.metric ?? Number.NaN, divergence: measurement.divergence ?? Number.NaN };
  };
  const floatBytes = modelByteLength(model);
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  const row = (fields: Omit<ResultRow, 'suite' | 'backend'>): void => {
    rows.push({ suite: 'search', backend, ...fields });
  };
  const original = reference.measurement.metric ?? Number.NaN;
  row({ case: `${name}: float32`, size: `${floatBytes} B`, metric: 'accuracy', value: original, unit: 'fraction' });

  progress(`search: ${name}: sensitivities`);
  const started = performance.now();
  let measured = 0;
  const sensitivity = await analyzeSensitivity(model, {
    data: selection,
    candidates: space,
    registry,
    onProgress: ({ done, total }) => {
      measured = total;
      if (done % 25 === 0 || done === total) progress(`search: ${name}: sensitivity ${done}/${total}`);
    },
  });
  const sensitivitySeconds = (performance.now() - started) / 1000;
  row({ case: `${name}: sensitivity analysis`, size: `${measured} candidates`, metric: 'time', value: sensitivitySeconds, unit: 's' });

  progress(`search: ${name}: uniform recipes`);
  const uniform = await uniformResults(model, sensitivity.layers, registry, score);

  for (const divisor of divisors) {
    const budget = Math.floor(floatBytes / divisor);
    const best = uniform.filter(({ bytes }) => bytes <= budget).reduce<UniformResult | undefined>((left, right) => (left === undefined || right.accuracy > left.accuracy ? right : left), undefined);
    progress(`search: ${name}: 1/${divisor} = ${budget} bytes`);
    const searchStarted = performance.now();
    try {
      const result = await search(model, { target: { maxBytes: budget }, data: selection, candidates: space, sensitivity, registry, uniform: false });
      const seconds = (performance.now() - searchStarted) / 1000;
      const searchedScores = await score(result.model);
      const searched = searchedScores.accuracy;
      row({
        case: `${name}: 1/${divisor} searched`,
        size: `${budget} B`,
        metric: 'accuracy',
        value: searched,
        unit: 'fraction',
        ...(best === undefined ? {} : { peer: { name: `best uniform: ${best.label}`, value: best.accuracy } }),
      });
      row({
        case: `${name}: 1/${divisor} searched`,
        size: `${budget} B`,
        metric: 'bytes',
        value: result.measured.bytes,
        unit: 'B',
        ...(best === undefined ? {} : { peer: { name: `best uniform: ${best.label}`, value: best.bytes } }),
      });
      row({
        case: `${name}: 1/${divisor} searched`,
        size: `${budget} B`,
        metric: 'divergence',
        value: searchedScores.divergence,
        unit: 'nats',
        ...(best === undefined ? {} : { peer: { name: `best uniform: ${best.label}`, value: best.divergence } }),
      });
      row({ case: `${name}: 1/${divisor} search (choose, compress, verify)`, size: `${budget} B`, metric: 'time', value: seconds, unit: 's' });
      const verified = result.candidates.filter(({ label }) => label.startsWith('recipe ('));
      const plans = verified.map(({ bytes, divergence, outputError }) => `${bytes} B ${(divergence ?? outputError ?? Number.NaN).toExponential(2)}`).join(', ');
      notes.push(
        `${name} at 1/${divisor}: ${describeChoices(result.choices)}; ${result.rounds} round(s); loss ${result.loss}, measured ${(result.measured.divergence ?? result.measured.outputError ?? Number.NaN).toExponential(2)} on the selection digits (predicted ${(result.predicted.divergence ?? result.predicted.outputError ?? Number.NaN).toExponential(2)}); plans verified (bytes, loss): ${plans}; best uniform within budget: ${best === undefined ? 'none fits' : `${best.label} (${best.bytes} B, ${best.accuracy.toFixed(4)})`}`,
      );
    } catch (error) {
      if (!isWhittleError(error)) throw error;
      notes.push(`${name} at 1/${divisor}: ${error.detail}`);
    }
  }
  const fitting = uniform.map(({ label, bytes, accuracy: value, divergence }) => `${label} ${bytes} B ${value.toFixed(4)} ${divergence.toExponential(2)}`);
  notes.push(`${name}: uniform recipes measured (bytes, accuracy, divergence on the evaluation digits): ${fitting.join('; ')}`);
  return { rows, notes };
}

/** Each setting some layer takes, put on every layer that takes it, compressed and scored. */
async function uniformResults(model: Model, layers: Awaited<ReturnType<typeof analyzeSensitivity>>['layers'], registry: RecipeRegistry, score: (candidate: Model) => Promise<Scores>): Promise<UniformResult[]> {
  const groups = new Map<string, { label: string; choices: LayerChoice[] }>();
  for (const layer of layers) {
    for (const { setting } of layer.entries) {
      const key = canonicalJson(setting.steps);
      const group = groups.get(key) ?? { label: setting.label, choices: [] };
      groups.set(key, group);
      group.choices.push({ param: layer.param, include: layer.include, setting });
    }
  }
  const results: UniformResult[] = [];
  for (const { label, choices } of groups.values()) {
    const { model: compressed } = await compress(model, recipeFromChoices(choices, registry), { registry });
    results.push({ label, bytes: modelByteLength(compressed), ...(await score(compressed)) });
  }
  return results;
}

function describeChoices(choices: readonly LayerChoice[]): string {
  return choices.map(({ param, setting }) => `${param.replace(/\/kernel$/u, '')}: ${setting?.label ?? 'float32'}`).join(', ');
}
