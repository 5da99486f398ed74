import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WhittleError } from '../errors.ts';
import { PARAM_ROLES } from '../model/param-roles.ts';
import type { ParamRole } from '../model/types.ts';
import { CAST_DTYPES, cast, castHandler } from './cast.ts';
import {
  FILTER_FIELDS,
  readBoolean,
  readEnum,
  readFilter,
  readInteger,
  readNumber,
  rejectUnknownFields,
} from './field-readers.ts';
import { createRecipeRegistry } from './registry.ts';
import type { ParamFilter, RecipeHandler, RecipeStep } from './types.ts';
import { parseRecipe, validateRecipe } from './validate-recipe.ts';

/** A handler shaped like a technique's, to put every field reader through validateRecipe. */
interface ExampleStep extends RecipeStep, ParamFilter {
  readonly kind: 'example.affine';
  readonly bits: number;
  readonly ratio: number;
  readonly symmetric: boolean;
  readonly granularity: { readonly kind: 'tensor' | 'group'; readonly size: number };
}
const exampleStep = (bits: number, ratio: number, symmetric: boolean, size: number, filter: ParamFilter = {}): ExampleStep => ({
  kind: 'example.affine', bits, ratio, symmetric, granularity: { kind: 'group', size }, ...filter,
});
const exampleHandler: RecipeHandler<ExampleStep> = {
  kind: 'example.affine',
  description: 'test',
  effect: 're-encodes-params' as const,
  validate(step, context) {
    rejectUnknownFields(step, ['bits', 'ratio', 'symmetric', 'granularity', ...FILTER_FIELDS], context);
    rejectUnknownFields(step, ['size'], context, 'granularity');
    return {
      kind: 'example.affine',
      bits: readInteger(step, 'bits', { min: 1, max: 8 }, context),
      ratio: readNumber(step, 'ratio', { min: 0, max: 1 }, context),
      symmetric: readBoolean(step, 'symmetric', {}, context),
      granularity: {
        kind: readEnum(step, 'granularity.kind', ['tensor', 'group'] as const, {}, context),
        size: readInteger(step, 'granularity.size', { min: 1, max: 4096 }, context),
      },
      ...readFilter(step, context),
    };
  },
  apply: (model) => model,
};
const registry = createRecipeRegistry([castHandler, exampleHandler]);

// Globs of the supported syntax: any characters but the ones other dialects make special.
const globs = fc.array(fc.string({ minLength: 1, maxLength: 20 }).filter((glob) => !/[[\]{}()!\\]/.test(glob)), { maxLength: 3 });
const filters: fc.Arbitrary<ParamFilter> = fc.record(
  { include: globs, exclude: globs, roles: fc.subarray<ParamRole>([...PARAM_ROLES]) },
  { requiredKeys: [] },
);
const steps: fc.Arbitrary<RecipeStep> = fc.oneof(
  fc.tuple(fc.constantFrom(...CAST_DTYPES), filters).map(([dtype, filter]) => cast(dtype, filter)),
  fc
    .tuple(fc.integer({ min: 1, max: 8 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), fc.integer({ min: 1, max: 4096 }), filters)
    .map(([bits, ratio, symmetric, size, filter]) => exampleStep(bits, ratio, symmetric, size, filter)),
);

describe('validateRecipe and parseRecipe', () => {
  it('round-trips any recipe built with factories through JSON unchanged', () => {
    fc.assert(
      fc.property(fc.array(steps, { maxLength: 5 }), (recipe) => {
        const parsed = parseRecipe(JSON.stringify(recipe), 'recipe.json');
        expect(validateRecipe(parsed, registry)).toStrictEqual(recipe);
      }),
    );
  });

  it('names the file for malformed JSON and structure', () => {
    expect(() => parseRecipe('[{ "kind": "cast", }]', 'recipe.json')).toThrow(
      expect.objectContaining({ code: 'invalid-recipe', file: 'recipe.json' }),
    );
    expect(() => parseRecipe('"cast"', 'r.json')).toThrow(/^r\.json: a recipe must be an array of steps or one step/);
    expect(() => parseRecipe('[{"dtype":"float16"}]', 'r.json')).toThrow(expect.objectContaining({ step: 1, field: 'kind' }));
    expect(() => parseRecipe('[{"kind":"cast"},{"dtype":"float16"}]', 'r.json')).toThrow(/^r\.json: step 2: kind: /);
    expect(() => parseRecipe('{"dtype":"float16"}', 'r.json')).toThrow(/^r\.json: step 1: kind: /);
  });

  it('reads one step object as a one-step recipe, but validateRecipe wants an array', () => {
    expect(parseRecipe(' {"kind":"cast","dtype":"float16"} ')).toStrictEqual([{ kind: 'cast', dtype: 'float16' }]);
    expect(() => validateRecipe({ kind: 'cast', dtype: 'float16' }, registry)).toThrow(/^a recipe must be an array of steps, got/);
  });

  it('rejects an unknown kind naming the step and the known kinds', () => {
    const recipe = [cast('float16'), { kind: 'quantize.afine', bits: 4 }];
    expect(() => validateRecipe(recipe, registry)).toThrow(expect.objectContaining({ code: 'unknown-kind', step: 2, field: 'kind' }));
    expect(() => validateRecipe(recipe, registry)).toThrow(/^step 2: kind: unknown recipe kind/);
    expect(() => validateRecipe(recipe, registry)).toThrow(/known kinds: cast, example\.affine/);
  });

  it('adds the step to errors from handlers that leave it out, and wraps foreign errors', () => {
    const careless = createRecipeRegistry([
      { kind: 'no.context', description: '', effect: 're-encodes-params', validate: (step) => (readInteger(step, 'bits'), step), apply: (model) => model },
      { kind: 'buggy', description: '', effect: 're-encodes-params', validate: () => { throw new TypeError('oops'); }, apply: (model) => model },
    ]);
    expect(() => validateRecipe([{ kind: 'no.context', bits: 'x' }], careless)).toThrow(expect.objectContaining({ step: 1, field: 'bits' }));
    expect(() => validateRecipe([{ kind: 'no.context', bits: 'x' }], careless)).toThrow(/^step 1: bits: bits must be/);
    expect(() => validateRecipe([{ kind: 'no.context', bits: 1 }, { kind: 'buggy' }], careless)).toThrow(
      expect.objectContaining({ code: 'invalid-recipe', step: 2, message: expect.stringContaining('oops') }),
    );
  });

  it('answers malformed input with a WhittleError naming the step and field, never anything else', () => {
    const badValues = fc.oneof(
      fc.anything(),
      fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e308, -1e308, 2 ** 53, -0, '', 'x'.repeat(2000), [], [''], [42], [null], {}),
      fc.string(),
      fc.array(fc.string({ unit: 'binary' })),
    );
    const fieldNames = fc.oneof(
      fc.constantFrom('kind', 'dtype', 'include', 'exclude', 'roles', 'bits', 'ratio', 'symmetric', 'granularity', '__proto__', 'constructor'),
      fc.string(),
    );
    const mutated = fc.tuple(steps, fieldNames, badValues).map(([step, field, value]) => {
      const copy: Record<string, unknown> = JSON.parse(JSON.stringify(step));
      Object.defineProperty(copy, field, { value, enumerable: true, writable: true, configurable: true });
      return copy;
    });
    const recipes = fc.oneof(
      fc.anything(),
      fc.array(fc.oneof(mutated, steps, fc.anything()), { maxLength: 4 }),
    );
    fc.assert(
      fc.property(recipes, (recipe) => {
        try {
          validateRecipe(recipe, registry);
        } catch (error) {
          expect(error).toBeInstanceOf(WhittleError);
          const { message, step, field } = error as WhittleError;
          expect(message.length).toBeGreaterThan(0);
          if (Array.isArray(recipe)) {
            expect(step).toBeTypeOf('number');
            // Steps count from 1.
            expect(step).toBeGreaterThanOrEqual(1);
            const at = recipe[step! - 1];
            if (typeof at === 'object' && at !== null && !Array.isArray(at)) {
              expect(field).toBeTypeOf('string');
            }
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
