import { cast, type Recipe } from '@whittle/core';
import { int4, int8, kmeans } from '@whittle/quantize';

/** One row of the demo: a name and the recipe that makes it from the float32 model. */
export interface DemoVariant {
  readonly name: string;
  readonly recipe: Recipe;
}

/**
 * The demo's variants, each just a recipe run by `compress` on the same float32 model (the
 * `quantize.*` kinds need `@whittle/quantize/register` imported). Kernels are compressed;
 * biases stay float32. A new technique joins the demo by adding its recipe here.
 *
 * @example
 * ```ts
 * for (const { name, recipe } of DEMO_VARIANTS) console.log(name, JSON.stringify(recipe));
 * ```
 */
export const DEMO_VARIANTS: readonly DemoVariant[] = [
  { name: 'float32', recipe: [] },
  { name: 'float16', recipe: [cast('float16')] },
  { name: 'bfloat16', recipe: [cast('bfloat16')] },
  // One float32 scale per output channel.
  { name: 'int8', recipe: [int8()] },
  // ggml's Q4_0 layout: a float16 scale per 32 weights along the input axis.
  { name: 'int4-g32', recipe: [int4({ groupSize: 32 })] },
  // 16 shared float32 values per kernel.
  { name: 'kmeans-4bit', recipe: [kmeans({ bits: 4 })] },
];
