import { createRecipeRegistry, useBackend, type BackendName, type ModelProfile, type SearchData } from '@whittle/core';
import { pruneHandlers } from '@whittle/prune';
import { quantizeHandlers } from '@whittle/quantize';
import type { ResultRow } from '../result-row.ts';
import type { Suite, SuiteOptions, SuiteResult } from '../suite.ts';
import { FULL_STRUCTURED_PLAN } from './pruning/structured-plan.ts';
import { trainMnistCnn } from './pruning/structured-models.ts';
import { MNIST_CLASSES, MNIST_IMAGE_SIZE, loadMnistDigits, splitDigits, type Digits } from './quantization/mnist-digits.ts';
import { digitBatches, trainMnistMlp } from './quantization/mnist-mlp.ts';
import { profileRows } from './search/profile-rows.ts';
import { FULL_SEARCH_PLAN, QUICK_SEARCH_PLAN, type SearchBenchPlan } from './search/search-plan.ts';
import { searchedAgainstUniform } from './search/searched-against-uniform.ts';

const DEFAULT_BACKEND: BackendName = 'wasm';

// An explicit registry rather than the packages' `register` entries: the bench library has no side effects.
const REGISTRY = createRecipeRegistry([...quantizeHandlers, ...pruneHandlers]);

/**
 * The `search` suite: on a trained MNIST MLP and a small CNN, the recipe `search` chooses per
 * layer (magnitude sparsity then affine or k-means quantization, each also alone) under byte
 * budgets of 1/8, 1/16 and 1/32 of float32, against the most accurate uniform recipe of the same
 * candidate space within each budget; the time each search takes; the profile of each model.
 * Runs on the first backend given (wasm by default); `quick` shrinks everything to a smoke run.
 *
 * @example
 * ```ts
 * const { rows, notes } = await searchSuite.run({ quick: true });
 * ```
 */
export const searchSuite: Suite = {
  name: 'search',
  defaultBackends: [DEFAULT_BACKEND],
  description: 'search: per-layer recipes under 1/8, 1/16 and 1/32 of float32 bytes against the best uniform recipe, on a trained MNIST MLP and CNN; their profiles',
  run: runSearchSuite,
};

async function runSearchSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const progress = options.onProgress ?? (() => {});
  const plan = options.quick === true ? QUICK_SEARCH_PLAN : FULL_SEARCH_PLAN;
  const backend = await useBackend(options.backends?.[0] ?? DEFAULT_BACKEND, { gradients: true });
  progress(`search: load MNIST digits (${plan.train} to train, ${plan.selection} to choose on, ${plan.evaluation} to score on)`);
  const { train, test } = splitDigits(await loadMnistDigits(), { train: plan.train, test: plan.selection + plan.evaluation, seed: 7 });
  const selection: SearchData = { batches: digitBatches(slice(test, 0, plan.selection)), metric: 'accuracy' };
  const evaluation: SearchData = { batches: digitBatches(slice(test, plan.selection, plan.selection + plan.evaluation)), metric: 'accuracy' };
  const space = { sparsities: plan.sparsities, bits: plan.bits, methods: ['affine', 'kmeans'] as const };
  const rows: ResultRow[] = [];
  const notes: string[] = [
    `Candidate space per layer: magnitude sparsity ${plan.sparsities.join(', ')} (in the smallest sparse layout) then affine (per channel) or k-means at ${plan.bits.join(', ')} bits, each also alone; uniform recipes put one of these settings on every layer.`,
    `Sensitivities and verification on ${plan.selection} held-out digits; every accuracy on ${plan.evaluation} other held-out digits.`,
  ];
  const profiles: { name: string; profile: ModelProfile }[] = [];
  const models = [
    {
      name: `mnist mlp ${[MNIST_IMAGE_SIZE, ...plan.mlpHidden, MNIST_CLASSES].join('-')}`,
      train: async () => {
        const mlp = await trainMnistMlp(train, { hiddenSizes: plan.mlpHidden, epochs: plan.mlpEpochs, batchSize: plan.batchSize, learningRate: plan.learningRate, seed: 42 });
        mlp.dispose();
        return mlp.model;
      },
    },
    {
      name: `mnist cnn ${plan.cnnFilters.map((filters) => `c${filters}`).join('-')}-d${plan.cnnDense}`,
      train: () => trainMnistCnn(train, cnnPlan(plan), 1),
    },
  ];
  for (const { name, train: trainModel } of models) {
    progress(`search: train ${name}`);
    const model = await trainModel();
    progress(`search: profile ${name}`);
    const profiled = await profileRows(name, model, backend.name, plan.profileRuns);
    rows.push(...profiled.rows);
    profiles.push({ name, profile: profiled.profile });
    const compared = await searchedAgainstUniform({ name, model, selection, evaluation, space, registry: REGISTRY, divisors: plan.divisors, backend: backend.name, progress });
    rows.push(...compared.rows);
    notes.push(...compared.notes);
  }
  return { rows, backends: [backend], notes, profiles };
}

/** The pruning suite's CNN plan with this plan's sizes. */
function cnnPlan(plan: SearchBenchPlan) {
  return { ...FULL_STRUCTURED_PLAN, cnnFilters: plan.cnnFilters, cnnDense: plan.cnnDense, cnnEpochs: plan.cnnEpochs, batchSize: plan.batchSize, learningRate: plan.learningRate };
}

function slice(digits: Digits, start: number, end: number): Digits {
  return { images: digits.images.subarray(start * MNIST_IMAGE_SIZE, end * MNIST_IMAGE_SIZE), labels: digits.labels.subarray(start, end), count: end - start };
}
