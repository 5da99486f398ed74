import { cast, type Recipe } from '@whittle/core';

/** One row of the demo: a name and the recipe that makes it from the float32 model. */
export interface DemoVariant {
  readonly name: string;
  readonly recipe: Recipe;
}

/**
 * The demo's variants, each just a recipe run by `compress` on the same float32 model. A new
 * technique joins the demo by adding its recipe here.
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
];
