import { defaultRegistry } from './default-registry.ts';
import type { RecipeRegistry } from './registry.ts';
import type { Recipe } from './types.ts';

/**
 * True when every step of `recipe` has a handler that works on one param at a time (`perParam`,
 * and `streamsConfig` agrees for the step's settings), so the recipe may stream a checkpoint
 * tensor by tensor. Unknown kinds and invalid steps give false: loading the whole model is
 * always correct.
 *
 * @example
 * ```ts
 * isPerParamRecipe([cast('float16')]); // true
 * ```
 */
export function isPerParamRecipe(recipe: Recipe, registry: RecipeRegistry = defaultRegistry): boolean {
  return recipe.every((step, index) => {
    const handler = registry.get(step.kind);
    if (handler?.perParam !== true) return false;
    if (handler.streamsConfig === undefined) return true;
    try {
      return handler.streamsConfig(handler.validate(step, { step: index + 1 }));
    } catch {
      // An invalid step is reported by compress, which validates the recipe before any step runs.
      return false;
    }
  });
}
