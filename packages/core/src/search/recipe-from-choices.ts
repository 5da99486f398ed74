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
 * The recipe of `choices`: params sharing a setting share one step (its `include` lists them in
 * model order), steps in the order their first param appears, except that steps whose handler
 * rewrites the topology (which renames what they touch) run after every other step. The same
 * choices always give the same recipe.
 *
 * @example
 * ```ts
 * recipeFromChoices([{ param: 'a/kernel', include: 'a/kernel', setting: { label: 'int4', step: { kind: 'quantize.affine', bits: 4 } } }], defaultRegistry);
 * // [{ kind: 'quantize.affine', bits: 4, include: ['a/kernel'] }]
 * ```
 */
export function recipeFromChoices(choices: readonly LayerChoice[], registry: RecipeRegistry): Recipe {
  const steps = new Map<string, { step: RecipeStep; include: string[] }>();
  for (const { include, setting } of choices) {
    if (setting === undefined) continue;
    const key = canonicalJson(setting.step);
    const entry = steps.get(key);
    if (entry === undefined) steps.set(key, { step: setting.step, include: [include] });
    else entry.include.push(include);
  }
  const ordered = [...steps.values()];
  const rewrites = (step: RecipeStep): boolean => registry.get(step.kind)?.effect === 'rewrites-topology';
  return [...ordered.filter(({ step }) => !rewrites(step)), ...ordered.filter(({ step }) => rewrites(step))].map(({ step, include }) => ({ ...step, include }));
}
