import { WhittleError, createRecipeRegistry, validateRecipe } from '@whittle/core';
import { describe, expect, test } from 'vitest';
import { lowRankSvdHandler } from './factorize-step.ts';
import { lowRankSvd } from './factorize-options.ts';

const registry = createRecipeRegistry([lowRankSvdHandler]);

function errorOf(step: Record<string, unknown>): WhittleError {
  try {
    validateRecipe([{ kind: 'lowrank.svd', ...step }], registry);
  } catch (error) {
    expect(error).toBeInstanceOf(WhittleError);
    return error as WhittleError;
  }
  throw new Error(`accepted ${JSON.stringify(step)}`);
}

describe('lowrank.svd step validation', () => {
  test.each([
    [{}, 'rank', /needs one of rank, energy, budget, tolerance/],
    [{ rank: 4, energy: 0.9 }, 'energy', /not both rank and energy/],
    [{ budget: 0.5, tolerance: 0.1 }, 'tolerance', /not both budget and tolerance/],
    [{ rank: 0 }, 'rank', /integer from 1/],
    [{ rank: 2.5 }, 'rank', /integer/],
    [{ rank: '4' }, 'rank', /integer/],
    [{ rank: 2 ** 40 }, 'rank', /integer/],
    [{ energy: 0 }, 'energy', /\(0, 1\]/],
    [{ energy: 1.5 }, 'energy', /\(0, 1\]/],
    [{ energy: Number.NaN }, 'energy', /finite number/],
    [{ budget: 1 }, 'budget', /\(0, 1\)/],
    [{ budget: 0 }, 'budget', /\(0, 1\)/],
    [{ budget: -0.2 }, 'budget', /\(0, 1\)/],
    [{ tolerance: 0 }, 'tolerance', /\(0, 1\)/],
    [{ tolerance: 'small' }, 'tolerance', /finite number/],
    [{ rank: 2, budgetScope: 'layer' }, 'budgetScope', /applies to a budget only/],
    [{ budget: 0.5, budgetScope: 'global' }, 'budgetScope', /one of model, layer/],
    [{ rank: 2, method: 'fast' }, 'method', /one of exact, randomized/],
    [{ energy: 0.9, method: 'randomized' }, 'method', /needs rank, or budget with budgetScope 'layer'/],
    [{ budget: 0.5, method: 'randomized' }, 'method', /needs rank, or budget with budgetScope 'layer'/],
    [{ rank: 2, seed: 3 }, 'seed', /applies to method 'randomized' only/],
    [{ rank: 2, method: 'randomized', powerIterations: 65 }, 'powerIterations', /integer from 0 to 64/],
    [{ rank: 2, method: 'randomized', oversampling: -1 }, 'oversampling', /integer from 0/],
    [{ rank: 2, method: 'randomized', seed: 1.5 }, 'seed', /integer/],
    [{ rank: 2, rewrite: 'yes' }, 'rewrite', /true or false/],
    [{ rank: 2, include: 'dense/*' }, 'include', /array/],
    [{ rank: 2, roles: ['kernel'] }, 'roles[0]', /unknown role/],
    [{ rank: 2, ranks: 3 }, 'ranks', /unknown field/],
  ])('%j is refused naming %s', (step, field, message) => {
    const error = errorOf(step);
    expect(error.code).toBe('invalid-recipe');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });

  test('valid steps come back with their defaults set', () => {
    expect(validateRecipe([{ kind: 'lowrank.svd', budget: 0.25 }], registry)[0]).toEqual({ kind: 'lowrank.svd', budget: 0.25, budgetScope: 'model', method: 'exact' });
    expect(validateRecipe([lowRankSvd({ rank: 8, method: 'randomized', seed: 2, rewrite: false, include: ['a/*'] })], registry)[0]).toEqual({
      kind: 'lowrank.svd',
      rank: 8,
      method: 'randomized',
      seed: 2,
      rewrite: false,
      include: ['a/*'],
    });
    expect(validateRecipe([{ kind: 'lowrank.svd', budget: 0.5, budgetScope: 'layer', method: 'randomized' }], registry)[0]).toMatchObject({ method: 'randomized' });
  });
});
