import { cast, type Recipe } from '@whittle/core';
import { findPreset, type RecipePresetName } from '../recipe/presets.ts';

/** One row of the demo: a name and the recipe that makes it from the float32 model. */
export interface DemoVariant {
  readonly name: string;
  readonly recipe: Recipe;
}

/**
 * The demo's variants, each just a recipe run by `compress` on the same float32 model (the
 * `quantize.*` kinds need `@whittle/quantize/register` imported): most are `compress --preset`
 * presets, so the demo measures exactly what the presets do. Kernels are compressed; biases stay
 * float32. A new technique joins the demo by adding its recipe here.
 *
 * @example
 * ```ts
 * for (const { name, recipe } of DEMO_VARIANTS) console.log(name, JSON.stringify(recipe));
 * ```
 */
export const DEMO_VARIANTS: readonly DemoVariant[] = [
  { name: 'float32', recipe: [] },
  { name: 'float16', recipe: preset('float16') },
  { name: 'bfloat16', recipe: [cast('bfloat16')] },
  // One float32 scale per output channel.
  { name: 'int8', recipe: preset('int8') },
  // ggml's Q4_0 layout: a float16 scale per 32 weights along the input axis.
  { name: 'int4-g32', recipe: preset('int4-g32') },
  // 16 shared float32 values per kernel.
  { name: 'kmeans-4bit', recipe: preset('kmeans4') },
];

function preset(name: RecipePresetName): Recipe {
  return findPreset(name)!.recipe;
}
