import { castHandler } from './cast.ts';
import { huffmanHandler } from './huffman-step.ts';
import { createRecipeRegistry, type RecipeRegistry } from './registry.ts';
import type { RecipeHandler } from './types.ts';

/**
 * The registry `compress` and `validateRecipe` use unless given another: core's own handlers
 * (`cast`, `encode.huffman`) plus whatever technique packages add from their `register` side-effect files.
 *
 * @example
 * ```ts
 * defaultRegistry.has('cast'); // true
 * ```
 */
export const defaultRegistry: RecipeRegistry = /* @__PURE__ */ createRecipeRegistry([castHandler, huffmanHandler]);

/**
 * Adds a handler to {@link defaultRegistry}. Technique packages call this from a file whose name
 * says it has side effects (`register.ts`), once per kind.
 *
 * @example
 * ```ts
 * registerRecipeHandler(affineHandler);
 * ```
 */
export function registerRecipeHandler(handler: RecipeHandler, options?: { readonly replace?: boolean }): void {
  defaultRegistry.register(handler, options);
}
