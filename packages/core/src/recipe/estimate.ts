import { WhittleError } from '../errors.ts';
import type { Model } from '../model/types.ts';
import { defaultRegistry } from './default-registry.ts';
import type { RecipeRegistry } from './registry.ts';
import type { ModelSize, RecipeStep } from './types.ts';
import { validateRecipe } from './validate-recipe.ts';

/** Options of {@link estimate}. */
export interface EstimateOptions {
  /** Where the step's kind is looked up (default: core's default registry). */
  readonly registry?: RecipeRegistry;
}

/**
 * The params and exact storage bytes `model` would have after one recipe step, without running
 * it: the step is validated, then its handler's `estimate` sizes the result from shapes and the
 * config alone (no data is encoded), so a budget search can size thousands of candidates. For
 * every handler whittle ships with an estimate, the result equals `countParams` and
 * `modelByteLength` of what `compress` returns, when `compress` succeeds (it may still refuse data
 * the shapes do not show, such as a NaN weight). A kind whose handler gives no estimate is an
 * `invalid-recipe` error naming it.
 *
 * @example
 * ```ts
 * const { params, bytes } = estimate(model, cast('float16'));
 * ```
 */
export function estimate(model: Model, step: RecipeStep, options: EstimateOptions = {}): ModelSize {
  const { registry = defaultRegistry } = options;
  const [config] = validateRecipe([step], registry);
  const handler = registry.get(config!.kind)!;
  if (handler.estimate === undefined) {
    throw new WhittleError(
      'invalid-recipe',
      `${config!.kind} steps cannot be estimated without running them: its handler gives no estimate`,
      { step: 1, field: 'kind' },
    );
  }
  return handler.estimate(model, config!, { step: 1 });
}
