import { WhittleError, parseRecipe, validateRecipe, createRecipeRegistry, type RecipeStep } from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { affine } from './affine-step.ts';
import { bfloat16, float16 } from './half-float.ts';
import { quantizeHandlers } from './handlers.ts';
import { int2, int3, int4, int8 } from './integer-presets.ts';
import { kmeans } from './kmeans-step.ts';
import { uint16, uint8 } from './tfjs-stock-steps.ts';

const registry = createRecipeRegistry(quantizeHandlers);
const validate = (step: unknown) => validateRecipe([step], registry)[0]!;
const rejects = (step: unknown, field: string) =>
  expect(() => validate(step)).toThrow(expect.objectContaining({ code: 'invalid-recipe', step: 1, field }));

describe('quantize step factories', () => {
  it('build plain JSON data with defaults written out', () => {
    expect(int8()).toStrictEqual({ kind: 'quantize.affine', bits: 8, symmetric: true, granularity: { kind: 'axis' } });
    expect(int8({ axis: -1, narrowRange: true })).toStrictEqual({
      kind: 'quantize.affine', bits: 8, symmetric: true, narrowRange: true, granularity: { kind: 'axis', axis: -1 },
    });
    expect(int4()).toStrictEqual({ kind: 'quantize.affine', bits: 4, symmetric: true, granularity: { kind: 'group', size: 32 } });
    expect(int3({ groupSize: 64 })).toMatchObject({ bits: 3, symmetric: false, granularity: { kind: 'group', size: 64 } });
    expect(int2({ groupSize: 128, symmetric: true, scaleDType: 'float32' })).toMatchObject({ bits: 2, symmetric: true, scaleDType: 'float32' });
    expect(affine({ bits: 4, granularity: { kind: 'group', size: 32 } })).toStrictEqual(int4());
    expect(kmeans({ bits: 4 })).toStrictEqual({ kind: 'quantize.kmeans', bits: 4 });
    expect(float16()).toStrictEqual({ kind: 'quantize.float16' });
    expect(bfloat16({ roles: ['bias'] })).toStrictEqual({ kind: 'quantize.bfloat16', roles: ['bias'] });
    expect(uint8({ include: ['a/*'] })).toStrictEqual({ kind: 'quantize.uint8', include: ['a/*'] });
    expect(uint16()).toStrictEqual({ kind: 'quantize.uint16' });
  });

  it('make steps that survive JSON and validation unchanged in meaning', () => {
    const steps = [int8({ exclude: ['head/**'] }), int4({ groupSize: 128 }), int3(), kmeans({ bits: 3, iterations: 5, seed: 2 }), float16(), uint8(), affine({ bits: 16, symmetric: false, granularity: { kind: 'tensor' } })];
    const parsed = parseRecipe(JSON.stringify(steps));
    expect(parsed).toStrictEqual(steps);
    const validated = validateRecipe(parsed, registry);
    validated.forEach((config, index) => expect(config).toMatchObject(steps[index]!));
    expect(validated[5]).toStrictEqual({ kind: 'quantize.uint8' });
    expect(validated[3]).toStrictEqual({ kind: 'quantize.kmeans', bits: 3, iterations: 5, seed: 2, init: 'optimal' });
  });

  it('do not share arrays with their options', () => {
    const include = ['a/*'];
    const step = int8({ include });
    include.push('b/*');
    expect(step.include).toEqual(['a/*']);
  });
});

describe('quantize step validation', () => {
  it('fills defaults', () => {
    expect(validate({ kind: 'quantize.affine', bits: 8 })).toStrictEqual({
      kind: 'quantize.affine', bits: 8, symmetric: true, narrowRange: false, granularity: { kind: 'axis' },
    });
    expect(validate({ kind: 'quantize.kmeans', bits: 2 })).toStrictEqual({ kind: 'quantize.kmeans', bits: 2, iterations: 50, seed: 0, init: 'optimal' });
  });

  it('names the field at fault', () => {
    rejects({ kind: 'quantize.affine' }, 'bits');
    rejects({ kind: 'quantize.affine', bits: 12 }, 'bits');
    rejects({ kind: 'quantize.affine', bits: '8' }, 'bits');
    rejects({ kind: 'quantize.affine', bits: 1 }, 'symmetric');
    rejects({ kind: 'quantize.affine', bits: 1, symmetric: false, narrowRange: true }, 'narrowRange');
    rejects({ kind: 'quantize.affine', bits: 8, symmetric: 'yes' }, 'symmetric');
    rejects({ kind: 'quantize.affine', bits: 8, granularity: 'group' }, 'granularity');
    rejects({ kind: 'quantize.affine', bits: 8, granularity: { kind: 'rows' } }, 'granularity.kind');
    rejects({ kind: 'quantize.affine', bits: 8, granularity: { kind: 'group' } }, 'granularity.size');
    rejects({ kind: 'quantize.affine', bits: 8, granularity: { kind: 'group', size: 0 } }, 'granularity.size');
    rejects({ kind: 'quantize.affine', bits: 8, granularity: { kind: 'group', sise: 32 } }, 'granularity.sise');
    rejects({ kind: 'quantize.affine', bits: 8, granularity: { kind: 'axis', size: 32 } }, 'granularity.size');
    rejects({ kind: 'quantize.affine', bits: 8, granularity: { kind: 'tensor', axis: 0 } }, 'granularity.axis');
    rejects({ kind: 'quantize.affine', bits: 8, granularity: { kind: 'axis', axis: 0.5 } }, 'granularity.axis');
    rejects({ kind: 'quantize.affine', bits: 8, scaleDType: 'float64' }, 'scaleDType');
    rejects({ kind: 'quantize.affine', bits: 4, grid: 'minmax' }, 'grid');
    rejects({ kind: 'quantize.affine', bits: 4, symmetric: false, grid: 'signed-extreme' }, 'grid');
    rejects({ kind: 'quantize.affine', bits: 8, bit: 4 }, 'bit');
    rejects({ kind: 'quantize.affine', bits: 8, include: 'dense/*' }, 'include');
    rejects({ kind: 'quantize.affine', bits: 8, roles: ['kernel'] }, 'roles[0]');
    rejects({ kind: 'quantize.kmeans', bits: 9 }, 'bits');
    rejects({ kind: 'quantize.kmeans', bits: 4, iterations: -1 }, 'iterations');
    rejects({ kind: 'quantize.kmeans', bits: 4, seed: -1 }, 'seed');
    rejects({ kind: 'quantize.kmeans', bits: 4, init: 'random' }, 'init');
    rejects({ kind: 'quantize.kmeans', bits: 4, groupSize: 32 }, 'groupSize');
    rejects({ kind: 'quantize.float16', dtype: 'float16' }, 'dtype');
    rejects({ kind: 'quantize.uint8', exclude: [''] }, 'exclude[0]');
    rejects({ kind: 'quantize.uint16', bits: 16 }, 'bits');
    expect(() => validate({ kind: 'quantize.affine', bits: 8, granularty: {} })).toThrow(/did you mean "granularity"/);
  });

  it('turn any input into a config or a typed error, never a crash', () => {
    const kinds = quantizeHandlers.map((handler) => handler.kind);
    const fields = fc.dictionary(
      fc.constantFrom('bits', 'symmetric', 'narrowRange', 'granularity', 'scaleDType', 'iterations', 'seed', 'include', 'exclude', 'roles', 'extra'),
      fc.oneof(fc.anything(), fc.integer({ min: -2, max: 20 }), fc.record({ kind: fc.constantFrom('tensor', 'axis', 'group', 'x'), size: fc.anything(), axis: fc.anything() }, { requiredKeys: ['kind'] })),
    );
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fields, fc.anything(), (kind, record, anything) => {
        for (const step of [{ ...record, kind }, anything]) {
          try {
            const config = validate(step);
            expect(typeof (config as RecipeStep).kind).toBe('string');
          } catch (error) {
            expect(error).toBeInstanceOf(WhittleError);
            expect((error as WhittleError).step).toBe(1);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
