/**
 * A search's choice as a recipe: plain JSON steps, one per distinct setting, each with an
 * `include` naming the params that take it.
 */
import type { RecipeRegistry } from '../recipe/registry.ts';
import type { Recipe, RecipeStep } from '../recipe/types.ts';
import type { SearchSetting } from './search-settings.ts';
import { canonicalJson } from './sensitivity.ts';

/** One searched param and the setting chosen for it (`undefined`: left as it is). */
export interface LayerChoice {
  readonly param: string;
  /** The glob selecting this param alone. */
  readonly include: string;
  /** The chosen setting; `undefined` when the param is kept as it is. */
  readonly setting: SearchSetting | undefined;
}

/**
 * The recipe of `choices`. A setting's steps run in their order on its param: the recipe holds
 * each setting's first steps, then their second steps, and so on, and params sharing a step at
 * the same position share one recipe step (its `include` lists them in model order). Within a
 * position, steps that reshape params (structured pruning, which also narrows the next layer's
 * inputs) come first, while those params are still dense; steps whose handler rewrites the
 * topology (which renames what they touch) run after every other step. Otherwise steps keep the
 * order their first param appears in. The same choices always give the same recipe.
 *
 * @example
 * ```ts
 * recipeFromChoices([{ param: 'a/kernel', include: 'a/kernel', setting: { label: 'int4', steps: [{ kind: 'quantize.affine', bits: 4 }] } }], defaultRegistry);
 * // [{ kind: 'quantize.affine', bits: 4, include: ['a/kernel'] }]
 * ```
 */
export function recipeFromChoices(choices: readonly LayerChoice[], registry: RecipeRegistry): Recipe {
  const steps = new Map<string, { step: RecipeStep; position: number; order: number; include: string[] }>();
  for (const { include, setting } of choices) {
    if (setting === undefined) continue;
    for (const [position, step] of setting.steps.entries()) {
      const key = `${position}/${canonicalJson(step)}`;
      const entry = steps.get(key);
      if (entry === undefined) steps.set(key, { step, position, order: steps.size, include: [include] });
      else entry.include.push(include);
    }
  }
  const effectRank = (step: RecipeStep): number => {
    const effect = registry.get(step.kind)?.effect;
    return effect === 'rewrites-topology' ? 2 : effect === 'reshapes-params' ? 0 : 1;
  };
  const rewrites = (step: RecipeStep): number => (effectRank(step) === 2 ? 1 : 0);
  return [...steps.values()]
    .sort((left, right) => rewrites(left.step) - rewrites(right.step) || left.position - right.position || effectRank(left.step) - effectRank(right.step) || left.order - right.order)
    .map(({ step, include }) => ({ ...step, include }));
}
