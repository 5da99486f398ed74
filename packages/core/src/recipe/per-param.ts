import { defaultRegistry } from './default-registry.ts';
import type { RecipeRegistry } from './registry.ts';
import type { Recipe } from './types.ts';

/**
 * True when every step of `recipe` has a handler that works on one param at a time
 * (`perParam`), so the recipe may stream a checkpoint tensor by tensor. Unknown kinds give false:
 * loading the whole model is always correct.
 *
 * @example
 * ```ts
 * isPerParamRecipe([cast('float16')]); // true
 * ```
 */
export function isPerParamRecipe(recipe: Recipe, registry: RecipeRegistry = defaultRegistry): boolean {
  return recipe.every((step) => registry.get(step.kind)?.perParam === true);
}
