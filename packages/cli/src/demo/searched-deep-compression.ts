import type { Digits } from '@whittle/bench';
import { rm } from 'node:fs/promises';
import { WhittleError, compress, isWhittleError, modelByteLength, search, type Model, type Recipe, type RecipeStep, type SearchResult, type Sensitivity } from '@whittle/core';
import { loadBench } from '../load-bench.ts';
import type { ProgressReporter } from '../progress/progress-reporter.ts';
import type { DemoModelConfig } from './demo-config.ts';
import { deepCompressionRecipe, entropyStep, type LayerSettings } from './demo-rows.ts';
import { saveAndReload } from './saved-model.ts';

/** Searches at most this many budgets, each moved by how far the last choice's files missed the target. */
const SEARCH_ATTEMPTS = 3;

/** What {@link searchDeepCompression} works on. */
export interface SearchedDeepCompressionRun {
  /** The float32 baseline, as saved and read back. */
  readonly baseline: Model;
  /** Bytes of the baseline's files on disk: the budget is these over the configured ratio. */
  readonly baselineBytes: number;
  readonly config: DemoModelConfig;
  /** The training digits: the last `selectionDigits` of them are what the sensitivities are measured on. */
  readonly train: Digits;
  readonly stepsPerEpoch: number;
  /** Where the search's own (untrained) choice is saved for a moment, to measure what its files add to its params; removed after. */
  readonly scratchDirectory: string;
  readonly progress: ProgressReporter;
  /** Prefix of progress lines (the model's name). */
  readonly label: string;
}

/** The searched row's plan: the retraining recipe and what it was chosen under. */
export interface SearchedDeepCompression {
  /** Deep Compression's pipeline at the chosen per-layer sparsities and bits (what `compress` runs on the baseline). */
  readonly recipe: Recipe;
  /** Bytes on disk the row must fit: the baseline's bytes over the configured ratio. */
  readonly budgetBytes: number;
  /** Each searched layer's chosen sparsity and weight bits. */
  readonly layers: LayerSettings;
}

/**
 * `deep-compression-searched`: Deep Compression's pipeline with each layer's sparsity and weight
 * bits chosen by core's `search` instead of by hand. The sensitivities of each kernel to each
 * candidate (sparsity × k-means bits, entropy-coded as the row is) are measured once on the last
 * `selectionDigits` training digits (the test digits are never seen); the budget is the bytes on
 * disk that give the configured ratio against the float32 files, less a margin for what
 * retraining changes in the entropy-coded sizes; each choice is saved as the row stores it
 * (model.json included) and the search rerun at a budget moved by what its files missed. The
 * returned recipe prunes gradually with retraining to the chosen sparsities, then shares weights
 * per layer at the chosen bits, like the `deep-compression` row.
 *
 * @example
 * ```ts
 * const { recipe, budgetBytes } = await searchDeepCompression({ baseline, baselineBytes, config, train, stepsPerEpoch: 80, scratchDirectory, progress, label: 'lenet-5' });
 * ```
 */
export async function searchDeepCompression(run: SearchedDeepCompressionRun): Promise<SearchedDeepCompression> {
  const { baseline, baselineBytes, config, progress, label } = run;
  const settings = config.deepCompression.search;
  const budgetBytes = Math.floor(baselineBytes / settings.ratio);
  const { digitBatches } = await loadBench('demo');
  const selection = lastDigits(run.train, settings.selectionDigits);
  const then = [entropyStep()].filter((step): step is RecipeStep => step !== undefined);
  const data = { batches: digitBatches(selection), metric: 'accuracy' as const };
  const candidates = { sparsities: settings.sparsities, bits: settings.bits, methods: ['kmeans' as const], alone: false, then };
  let sensitivity: Sensitivity | undefined;
  // The search sizes params alone, each pruned one in its smallest layout; the row's files add
  // model.json and always store relative indices. So each choice is stored as the row stores it,
  // without retraining, and the search's budget moved by what the files differ from the target,
  // a few times.
  const target = Math.floor(budgetBytes * (1 - settings.margin));
  let maxBytes = target - 2 * (baselineBytes - modelByteLength(baseline));
  let best: { readonly layers: LayerSettings; readonly bytes: number } | undefined;
  let smallest: { readonly layers: LayerSettings; readonly bytes: number } | undefined;
  for (let attempt = 0; attempt < SEARCH_ATTEMPTS; attempt++) {
    if (maxBytes <= 0) break;
    let result: SearchResult;
    try {
      result = await search(baseline, {
        target: { maxBytes },
        data,
        candidates,
        uniform: false,
        ...(sensitivity === undefined ? {} : { sensitivity }),
        onProgress: (event) => {
          if (event.phase === 'sensitivity') progress.update(event.done, event.total, `${label} deep-compression-searched: sensitivity of ${event.param}`);
        },
      });
    } catch (error) {
      // A budget moved below what the candidates reach: keep the choices already stored.
      if (attempt === 0 || !isWhittleError(error)) throw error;
      break;
    }
    sensitivity = result.sensitivity;
    const { model: stored } = await compress(baseline, result.recipe.map(asStored));
    const { bytes } = await saveAndReload(stored, run.scratchDirectory);
    await rm(run.scratchDirectory, { recursive: true, force: true });
    const choice = { layers: layerSettings(result), bytes };
    if (bytes <= target && (best === undefined || bytes > best.bytes)) best = choice;
    if (smallest === undefined || bytes < smallest.bytes) smallest = choice;
    if (bytes <= target && target - bytes <= 0.01 * target) break;
    maxBytes += target - bytes;
  }
  const chosen = best ?? smallest;
  if (chosen === undefined) throw new WhittleError('invalid-argument', `a ${settings.ratio}× budget leaves no bytes for the params`, { field: 'deepCompression.search.ratio' });
  const { layers } = chosen;
  if (Object.keys(layers).length === 0) throw new WhittleError('invalid-argument', `the search met a ${settings.ratio}× budget without pruning any kernel`, { field: 'deepCompression.search' });
  progress.note(
    `${label} deep-compression-searched: ${budgetBytes} B budget; ${Object.entries(layers)
      .map(([layer, { sparsity, bits }]) => `${layer} ${(100 * (1 - sparsity)).toFixed(1)}% kept at ${bits} bits`)
      .join(', ')}`,
  );
  return { recipe: deepCompressionRecipe(config, run.stepsPerEpoch, layers), budgetBytes, layers };
}

/**
 * Each searched kernel's chosen sparsity and k-means bits, by layer name, read from the steps of
 * its chosen setting (a kernel the search left as it is has no entry).
 *
 * @example
 * ```ts
 * layerSettings(result); // { ip1: { sparsity: 0.97, bits: 5 }, … }
 * ```
 */
export function layerSettings(result: Pick<SearchResult, 'choices'>): LayerSettings {
  const layers: Record<string, { sparsity: number; bits: number }> = {};
  for (const { param, setting } of result.choices) {
    if (setting === undefined || !param.endsWith('/kernel')) continue;
    const prune = setting.steps.find((step) => step.kind === 'prune.magnitude');
    const share = setting.steps.find((step) => step.kind === 'quantize.kmeans');
    if (typeof prune?.sparsity !== 'number' || typeof share?.bits !== 'number') continue;
    layers[param.slice(0, -'/kernel'.length)] = { sparsity: prune.sparsity, bits: share.bits };
  }
  return layers;
}

/** A step of the search's recipe as the row stores it: a pruning's indices as relative indices over the flattened tensor, whatever layout the search sized. */
function asStored(step: RecipeStep): RecipeStep {
  if (step.kind !== 'prune.magnitude' || typeof step.storage !== 'object' || step.storage === null) return step;
  return { ...step, storage: { ...(step.storage as Record<string, unknown>), layout: 'relative' } };
}

function lastDigits(digits: Digits, count: number): Digits {
  const kept = Math.min(count, digits.count);
  const start = digits.count - kept;
  return { images: digits.images.subarray(start * 784, digits.count * 784), labels: digits.labels.subarray(start), count: kept };
}
