import { checkRecipeSelection, inferRoles, type RecipeStep } from '@whittle/core';
import { openSafetensorsFile } from '@whittle/core/fs';

/**
 * Checks a per-param recipe's filters against a safetensors file's params, from its header
 * alone: a checkpoint streamed one param at a time never holds the whole model, so this is where
 * an `include` glob that matches no param, or a step that selects nothing, is caught, before
 * any output is written.
 *
 * @example
 * ```ts
 * await checkStreamedSelection('model.safetensors', [{ kind: 'cast', dtype: 'float16', include: ['lm_head.*'] }]);
 * ```
 */
export async function checkStreamedSelection(path: string, steps: readonly RecipeStep[]): Promise<void> {
  const file = await openSafetensorsFile(path);
  try {
    const roles = inferRoles([...file.header.params.values()].map((param) => [param.name, param.shape] as const));
    checkRecipeSelection(steps, [...roles].map(([name, role]) => ({ name, role })));
  } finally {
    await file.close();
  }
}
