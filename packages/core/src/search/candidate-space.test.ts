import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WEIGHT_ROLES } from '../model/param-roles.ts';
import type { Param } from '../model/types.ts';
import { createRecipeRegistry, type RecipeRegistry } from '../recipe/registry.ts';
import type { RecipeHandler } from '../recipe/types.ts';
import { denseEncoding } from '../encoding/dense.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { CANDIDATE_METHODS, MAX_CANDIDATE_LIST, candidateSettings, readCandidateSpace } from './candidate-space.ts';

/** Handlers that only name a kind and the roles it selects: enough to offer settings. */
function namedRegistry(kinds: readonly string[]): RecipeRegistry {
  return createRecipeRegistry(
    kinds.map(
      (kind) =>
        ({
          kind,
          description: kind,
          effect: kind === 'prune.structured' ? 'reshapes-params' : 're-encodes-params',
          defaultRoles: WEIGHT_ROLES,
          validate: (step: unknown) => step,
          apply: (model: unknown) => model,
        }) as unknown as RecipeHandler,
    ),
  );
}

const ALL_KINDS = ['prune.magnitude', 'prune.structured', 'quantize.affine', 'quantize.kmeans', 'quantize.float16'];

function param(role: Param['role'], shape: number[]): Param {
  const size = shape.reduce((product, item) => product * item, 1);
  return { name: 'dense_1/kernel', role, shape, dtype: 'float32', value: denseEncoding(hostTensor('float32', shape, new Float32Array(size))) } as unknown as Param;
}

describe('candidateSettings', () => {
  it('crosses every pruning with every quantization, adds each alone, and sizes the sparse layout for the values it will hold', () => {
    const settings = candidateSettings(param('dense-kernel', [8, 4]), namedRegistry(ALL_KINDS), { sparsities: [0.9], structured: [0.5], bits: [4], methods: ['affine', 'kmeans'] });
    expect(settings.map(({ label }) => label)).toEqual([
      '90% sparse',
      '50% units kept',
      '90% sparse + int4',
      '90% sparse + kmeans4',
      '50% units kept + int4',
      '50% units kept + kmeans4',
      'int4',
      'kmeans4',
    ]);
    const pair = settings.find(({ label }) => label === '90% sparse + kmeans4')!;
    expect(pair.steps).toEqual([
      { kind: 'prune.magnitude', sparsity: 0.9, storage: { layout: 'auto', valueBits: 4 } },
      { kind: 'quantize.kmeans', bits: 4 },
    ]);
  });

  it('offers pairs only with alone: false, and nothing whose kind is missing or does not select the role', () => {
    const space = { sparsities: [0.5, 0.75], bits: [2, 3], methods: ['kmeans'] as const, alone: false };
    const pairs = candidateSettings(param('dense-kernel', [8, 4]), namedRegistry(ALL_KINDS), space);
    expect(pairs.map(({ steps }) => steps.map((step) => step.kind))).toEqual(Array.from({ length: 4 }, () => ['prune.magnitude', 'quantize.kmeans']));
    expect(candidateSettings(param('dense-kernel', [8, 4]), namedRegistry(['quantize.kmeans']), space)).toEqual([]);
    expect(candidateSettings(param('bias', [4]), namedRegistry(ALL_KINDS), { ...space, alone: true })).toEqual([]);
    // Structured pruning needs a kernel (units along one axis, inputs along another).
    expect(candidateSettings(param('embedding', [4]), namedRegistry(ALL_KINDS), { structured: [0.5] })).toEqual([]);
  });

  it('holds the techniques filter on every step of a sequence', () => {
    const space = { sparsities: [0.9], bits: [4] };
    const labels = candidateSettings(param('dense-kernel', [8, 4]), namedRegistry(ALL_KINDS), space, ['quantize']).map(({ label }) => label);
    expect(labels).toEqual(['int4']);
  });

  it('gives 1-bit widths to k-means only, and float16 once whatever the widths', () => {
    const labels = candidateSettings(param('dense-kernel', [8, 4]), namedRegistry(ALL_KINDS), { bits: [1, 2], methods: ['affine', 'affine-group', 'kmeans', 'float16'] }).map(({ label }) => label);
    expect(labels).toEqual(['int2', 'int2 group 32', 'kmeans1', 'kmeans2', 'float16']);
  });

  it('offers as many settings as the product of its lists, for any valid space', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.double({ min: 0.01, max: 0.99, noNaN: true }), { maxLength: 3 }),
        fc.uniqueArray(fc.integer({ min: 2, max: 8 }), { maxLength: 3 }),
        fc.uniqueArray(fc.constantFrom('affine', 'kmeans') as fc.Arbitrary<'affine' | 'kmeans'>, { minLength: 1, maxLength: 2 }),
        fc.boolean(),
        (sparsities, bits, methods, alone) => {
          const settings = candidateSettings(param('dense-kernel', [8, 4]), namedRegistry(ALL_KINDS), { sparsities, bits, methods, alone });
          const quantizations = bits.length * methods.length;
          expect(settings).toHaveLength(sparsities.length * quantizations + (alone ? sparsities.length + quantizations : 0));
          for (const setting of settings) {
            // A pruning always comes before the quantization of the values it keeps.
            const kinds = setting.steps.map((step) => step.kind);
            expect(kinds.length === 1 || (kinds[0] === 'prune.magnitude' && kinds[1]!.startsWith('quantize.'))).toBe(true);
          }
        },
      ),
    );
  });
});

describe('readCandidateSpace', () => {
  it('refuses each hostile field with a typed error naming it', () => {
    const cases: [unknown, string][] = [
      [null, 'candidates'],
      [[], 'candidates'],
      [{ bits: [4], extra: 1 }, 'candidates'],
      [{ sparsities: 0.5 }, 'candidates.sparsities'],
      [{ sparsities: [0.5, 1] }, 'candidates.sparsities[1]'],
      [{ sparsities: [Number.NaN] }, 'candidates.sparsities[0]'],
      [{ structured: [0] }, 'candidates.structured[0]'],
      [{ bits: [4, 9] }, 'candidates.bits[1]'],
      [{ bits: [2.5] }, 'candidates.bits[0]'],
      [{ bits: ['4'] }, 'candidates.bits[0]'],
      [{ bits: [4], methods: ['gptq'] }, 'candidates.methods[0]'],
      [{ bits: [4], alone: 'yes' }, 'candidates.alone'],
      [{ bits: [4], then: [{ bits: 4 }] }, 'candidates.then[0]'],
      [{ bits: Array.from({ length: MAX_CANDIDATE_LIST + 1 }, () => 4) }, 'candidates.bits'],
      [{}, 'candidates'],
      [{ methods: ['kmeans'] }, 'candidates'],
    ];
    for (const [value, field] of cases) {
      expect(() => readCandidateSpace(value), JSON.stringify(value)).toThrow(expect.objectContaining({ code: 'invalid-argument', field }));
    }
  });

  it('returns a valid space as given', () => {
    const space = { sparsities: [0.9], structured: [0.25], bits: [4], methods: [...CANDIDATE_METHODS], alone: false, then: [{ kind: 'quantize.float16' }] };
    expect(readCandidateSpace(space)).toEqual(space);
    expect(readCandidateSpace({ methods: ['float16'] })).toEqual({ methods: ['float16'] });
  });
});
