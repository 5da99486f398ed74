import { defaultRegistry, type Recipe, type RecipeStep } from '@whittle/core';
import { findPreset, type RecipePresetName } from '../recipe/presets.ts';
import type { DemoModelConfig } from './demo-config.ts';

/**
 * One row of the demo: a name and the recipe that makes it from the trained baseline, or
 * `searched` where the recipe is chosen on the baseline first (see `searchDeepCompression`).
 */
export type DemoRowRecipe = { readonly name: string; readonly recipe: Recipe } | { readonly name: string; readonly searched: true };

/** Recipe kinds of an entropy-coding stage, in order of preference; the first registered one is used. */
export const ENTROPY_KINDS = ['encode.huffman'] as const;

/** Each layer's sparsity and k-means weight bits, by layer name (params `<layer>/kernel`). */
export type LayerSettings = Readonly<Record<string, { readonly sparsity: number; readonly bits: number }>>;

/**
 * The demo's rows for one network, each an ordinary recipe run by `compress` on the baseline
 * (the training steps get the training digits as the `training` resource). `stepsPerEpoch` is
 * the optimizer steps one pass over the training digits takes at the config's batch size.
 * `deep-compression-searched` has its recipe chosen by a budget search on the baseline.
 *
 * @example
 * ```ts
 * for (const { name, recipe } of demoRows(DEMO_CONFIG.models['lenet-5'], 80)) console.log(name, JSON.stringify(recipe));
 * ```
 */
export function demoRows(config: DemoModelConfig, stepsPerEpoch: number): DemoRowRecipe[] {
  const deep = deepCompressionRecipe(config, stepsPerEpoch);
  return [
    { name: 'deep-compression', recipe: deep },
    { name: 'deep-compression-searched', searched: true },
    { name: 'int8', recipe: preset('int8') },
    { name: 'int4-g32', recipe: preset('int4-g32') },
    { name: 'kmeans-4bit', recipe: preset('kmeans4') },
    { name: 'uint8-stock', recipe: preset('uint8-stock') },
    { name: 'float16', recipe: preset('float16') },
    { name: 'prune-structured-50', recipe: [{ kind: 'prune.structured', sparsity: 0.5 }, fineTune(config)] },
    { name: 'lowrank-25', recipe: [{ kind: 'lowrank.svd', budget: 0.25 }, fineTune(config)] },
    {
      name: 'distilled-student',
      recipe: [{ kind: 'distill', student: { width: config.student.width }, epochs: config.student.epochs, batchSize: config.batchSize, temperature: 4, alpha: 0.5, learningRate: 2e-3 }],
    },
  ];
}

/**
 * Deep Compression (Han et al. 2016) as one recipe: magnitude pruning with retraining on the
 * cubic schedule to each layer's own sparsity; k-means weight sharing of the kept weights (with
 * centroid fine-tuning where the kind offers it); the paper's sparse storage, relative indices
 * over the flattened tensor with no row pointers; and an entropy-coding stage where one is
 * registered. Biases stay float32. With `layers`, each listed layer takes its own sparsity and
 * weight bits (one weight-sharing step per width) and its storage is the smallest (relative
 * indices, at the width that stores fewest bytes, for a sparse layer); layers not listed are
 * retrained unpruned and stay float32.
 *
 * @example
 * ```ts
 * const recipe = deepCompressionRecipe(DEMO_CONFIG.models['lenet-300-100'], 80);
 * const searched = deepCompressionRecipe(DEMO_CONFIG.models['lenet-5'], 80, { ip1: { sparsity: 0.98, bits: 4 } });
 * ```
 */
export function deepCompressionRecipe(config: DemoModelConfig, stepsPerEpoch: number, layers?: LayerSettings): Recipe {
  const { epochs, learningRate, weightBits, indexBits, centroidEpochs } = config.deepCompression;
  const sparsities = layers === undefined ? config.deepCompression.sparsities : Object.fromEntries(Object.entries(layers).map(([layer, { sparsity }]) => [layer, sparsity]));
  const totalSteps = epochs * stepsPerEpoch;
  const widths = layers === undefined ? [weightBits] : [...new Set(Object.values(layers).map(({ bits }) => bits))].sort((a, b) => b - a);
  const sharing = widths.map((bits): RecipeStep => {
    const step: RecipeStep = {
      kind: 'quantize.kmeans',
      bits,
      ...(layers === undefined
        ? {}
        : {
            include: Object.entries(layers)
              .filter(([, settings]) => settings.bits === bits)
              .map(([layer]) => `${layer}/kernel`),
          }),
    };
    const tuned: RecipeStep = { ...step, fineTune: { epochs: centroidEpochs, batchSize: config.batchSize } };
    return accepts(tuned) ? tuned : step;
  });
  const entropy = entropyStep();
  return [
    {
      kind: 'prune.gradual',
      sparsities: Object.fromEntries(Object.entries(sparsities).map(([layer, sparsity]) => [`${layer}/kernel`, sparsity])),
      // Weights of layers the search left whole are retrained with the rest, unpruned.
      ...(layers === undefined ? {} : { finalSparsity: 0 }),
      endStep: Math.max(1, Math.floor(totalSteps * 0.75)),
      frequency: Math.max(1, Math.floor(stepsPerEpoch / 4)),
      epochs,
      batchSize: config.batchSize,
      learningRate,
      storage: layers === undefined ? { layout: 'relative', indexBits, valueBits: weightBits } : { layout: 'auto', valueBits: widths.length === 0 ? weightBits : Math.max(...widths) },
    },
    ...sharing,
    ...(entropy === undefined ? [] : [entropy]),
  ];
}

/**
 * The entropy-coding step of the first registered kind of {@link ENTROPY_KINDS}, or `undefined`
 * when none is registered.
 *
 * @example
 * ```ts
 * entropyStep(); // { kind: 'encode.huffman' }
 * ```
 */
export function entropyStep(): RecipeStep | undefined {
  const kind = ENTROPY_KINDS.find((candidate) => defaultRegistry.has(candidate));
  return kind === undefined ? undefined : { kind };
}

/** A short fine-tune of every weight through the training loop of gradual pruning, pruning nothing. */
function fineTune(config: DemoModelConfig): RecipeStep {
  return {
    kind: 'prune.gradual',
    finalSparsity: 0,
    endStep: 1,
    epochs: config.fineTuneEpochs,
    batchSize: config.batchSize,
    learningRate: 5e-4,
    storage: { layout: 'dense' },
  };
}

/** Whether the registered handler of the step's kind validates it (a field it does not know is refused). */
function accepts(step: RecipeStep): boolean {
  const handler = defaultRegistry.get(step.kind);
  if (handler === undefined) return false;
  try {
    handler.validate(step, { step: 1 });
    return true;
  } catch {
    return false;
  }
}

function preset(name: RecipePresetName): Recipe {
  return findPreset(name)!.recipe;
}
