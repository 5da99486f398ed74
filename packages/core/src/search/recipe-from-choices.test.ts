import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WEIGHT_ROLES } from '../model/param-roles.ts';
import { createRecipeRegistry } from '../recipe/registry.ts';
import type { RecipeHandler, RecipeStep } from '../recipe/types.ts';
import { recipeFromChoices, type LayerChoice } from './recipe-from-choices.ts';

const EFFECTS: Record<string, RecipeHandler['effect']> = {
  'prune.structured': 'reshapes-params',
  'prune.magnitude': 're-encodes-params',
  'quantize.kmeans': 're-encodes-params',
  'quantize.affine': 're-encodes-params',
  'lowrank.svd': 'rewrites-topology',
};

const registry = createRecipeRegistry(
  Object.entries(EFFECTS).map(
    ([kind, effect]) => ({ kind, description: kind, effect, defaultRoles: WEIGHT_ROLES, validate: (step: unknown) => step, apply: (model: unknown) => model }) as unknown as RecipeHandler,
  ),
);

const STEPS: readonly RecipeStep[] = [
  { kind: 'prune.structured', sparsity: 0.5 },
  { kind: 'prune.magnitude', sparsity: 0.9, storage: { layout: 'csr', valueBits: 4 } },
  { kind: 'quantize.kmeans', bits: 4 },
  { kind: 'quantize.affine', bits: 4 },
  { kind: 'lowrank.svd', rank: 2 },
];

/** Settings as a search makes them: one step, or a pruning then a quantization. */
const settingArbitrary = fc.oneof(
  fc.constantFrom(...STEPS).map((step) => [step]),
  fc.tuple(fc.constantFrom(STEPS[0]!, STEPS[1]!), fc.constantFrom(STEPS[2]!, STEPS[3]!)),
);

function choice(index: number, steps: readonly RecipeStep[] | undefined): LayerChoice {
  const name = `dense_${index}/kernel`;
  return { param: name, include: name, setting: steps === undefined ? undefined : { label: steps.map(({ kind }) => kind).join(' + '), steps } };
}

describe('recipeFromChoices', () => {
  it('runs every layer its own steps in order, once each, structured pruning before the rest and topology rewrites last', () => {
    fc.assert(
      fc.property(fc.array(fc.option(settingArbitrary, { nil: undefined }), { minLength: 1, maxLength: 6 }), (settings) => {
        const choices = settings.map((steps, index) => choice(index, steps));
        const recipe = recipeFromChoices(choices, registry);
        for (const { param, setting } of choices) {
          // The steps naming this param, in recipe order, are exactly its setting's steps.
          const applied = recipe.filter((step) => (step.include as string[]).includes(param)).map(({ include: _include, ...step }) => step);
          expect(applied).toEqual(setting?.steps ?? []);
        }
        const kinds = recipe.map(({ kind }) => kind);
        const firstOther = kinds.findIndex((kind) => kind !== 'prune.structured');
        if (firstOther >= 0) expect(kinds.slice(firstOther)).not.toContain('prune.structured');
        const firstRewrite = kinds.indexOf('lowrank.svd');
        if (firstRewrite >= 0) expect(kinds.slice(firstRewrite).every((kind) => kind === 'lowrank.svd')).toBe(true);
        // Same choices, same recipe.
        expect(recipeFromChoices(choices, registry)).toEqual(recipe);
      }),
    );
  });

  it('shares a step among layers that take it at the same position, listing them in model order', () => {
    const pair = [STEPS[1]!, STEPS[2]!];
    const recipe = recipeFromChoices([choice(1, pair), choice(2, [STEPS[2]!]), choice(3, pair), choice(4, [STEPS[0]!])], registry);
    expect(recipe).toEqual([
      { ...STEPS[0], include: ['dense_4/kernel'] },
      { ...STEPS[1], include: ['dense_1/kernel', 'dense_3/kernel'] },
      { ...STEPS[2], include: ['dense_2/kernel'] },
      { ...STEPS[2], include: ['dense_1/kernel', 'dense_3/kernel'] },
    ]);
  });
});
