import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeRecipe } from './describe-recipe.ts';

describe('describeRecipe', () => {
  it('is JSON.stringify for small plain recipes', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const json = JSON.stringify(value);
        fc.pre(json.length < 1_000 && !/"[^"]{200,}"/.test(json));
        // JSON.stringify writes -0 as 0, as describeRecipe does through String().
        expect(describeRecipe(value)).toBe(json);
      }),
      { numRuns: 300 },
    );
  });

  it('stays within its limit and never throws, whatever the recipe holds', () => {
    const cyclic: Record<string, unknown> = { kind: 'quantize.int8' };
    cyclic.self = cyclic;
    let deep: unknown = 1;
    for (let level = 0; level < 100_000; level++) deep = [deep];
    const throwing = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    const cases: unknown[] = [cyclic, deep, throwing, { big: 10n, fn: () => 1, nan: Number.NaN, inf: -Infinity }, 'x'.repeat(1 << 20), new Array(1 << 24), undefined];
    for (const recipe of cases) {
      const text = describeRecipe(recipe, 500);
      expect(text.length).toBeLessThanOrEqual(500);
      expect(text).not.toBe('');
    }
    expect(describeRecipe(throwing)).toBe('(the recipe cannot be shown)');
    expect(describeRecipe({ nan: Number.NaN, big: 10n })).toBe('{"nan":"NaN","big":"10n"}');
  });
});
