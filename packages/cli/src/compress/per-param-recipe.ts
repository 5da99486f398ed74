import { compress, createModel, type Param, type RecipeStep, type StepReport } from '@whittle/core';

/**
 * Runs a recipe on one param, as a model of that param alone, through core's `compress`; returns
 * the param it became and core's per-step reports for it.
 *
 * @example
 * ```ts
 * const { param: smaller } = await compressParam(param, [{ kind: 'cast', dtype: 'float16' }]);
 * ```
 */
export async function compressParam(param: Param, steps: readonly RecipeStep[]): Promise<{ param: Param; steps: readonly StepReport[] }> {
  const model = createModel({ format: 'safetensors', topology: null, params: [param] });
  // One param is a part of the file: the filters were checked against the whole header.
  const result = await compress(model, steps, { requireSelection: false });
  const [only, ...rest] = result.model.params.values();
  if (only === undefined || rest.length > 0) {
    // A handler that adds or drops params must not claim `perParam`.
    throw new Error(`the recipe turned param ${JSON.stringify(param.name)} into ${result.model.params.size} params`);
  }
  return { param: only, steps: result.steps };
}
