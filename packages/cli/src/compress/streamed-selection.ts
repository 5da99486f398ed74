import { checkRecipeSelection, safetensorsHeaderRoles, type RecipeStep, type SafetensorsHeader } from '@whittle/core';

/**
 * Checks a per-param recipe's filters against a safetensors file's params, from its header
 * alone: a checkpoint streamed one param at a time never holds the whole model, so this is where
 * an `include` glob that matches no param, or a step that selects nothing, is caught, before
 * any output is written. Called with the header the stream itself reads, so a file of a million
 * tensors has its header read once.
 *
 * @example
 * ```ts
 * checkHeaderSelection(header, [{ kind: 'cast', dtype: 'float16', include: ['lm_head.*'] }]);
 * ```
 */
export function checkHeaderSelection(header: SafetensorsHeader, steps: readonly RecipeStep[]): void {
  // The same cached roles the stream then reads the params with: inferred once.
  const roles = safetensorsHeaderRoles(header);
  checkRecipeSelection(steps, [...roles].map(([name, role]) => ({ name, role })));
}
