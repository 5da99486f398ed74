import { expect, test } from 'vitest';
import { cast } from './cast.ts';
import { isPerParamRecipe } from './per-param.ts';
import { createRecipeRegistry } from './registry.ts';
import type { RecipeHandler } from './types.ts';

const acrossParams: RecipeHandler = {
  kind: 'test.global',
  description: 'ranks every weight together',
  effect: 're-encodes-params' as const,
  validate: (step) => step,
  apply: (model) => model,
};

test('a recipe streams only when every step works param by param', () => {
  expect(isPerParamRecipe([cast('float16')])).toBe(true);
  expect(isPerParamRecipe([])).toBe(true);
  expect(isPerParamRecipe([{ kind: 'not.registered' }])).toBe(false);
  const registry = createRecipeRegistry([acrossParams]);
  expect(isPerParamRecipe([{ kind: 'test.global' }], registry)).toBe(false);
});

test("a per-param handler's settings decide whether its step streams", () => {
  const settingDependent: RecipeHandler = {
    ...acrossParams,
    kind: 'test.shared-codebook',
    perParam: true,
    streamsConfig: (config) => config.shared !== true,
    validate: (step) => {
      if (step.shared !== undefined && typeof step.shared !== 'boolean') throw new Error('shared must be a boolean');
      return step;
    },
  };
  const registry = createRecipeRegistry([settingDependent]);
  expect(isPerParamRecipe([{ kind: 'test.shared-codebook' }], registry)).toBe(true);
  expect(isPerParamRecipe([{ kind: 'test.shared-codebook', shared: true }], registry)).toBe(false);
  expect(isPerParamRecipe([{ kind: 'test.shared-codebook', shared: 'yes' }], registry)).toBe(false);
});
