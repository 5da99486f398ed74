import { describe, expect, it } from 'vitest';
import { compress, createRecipeRegistry, isWhittleError, type RecipeStep } from '@whittle/core';
import { unstructuredHandlers } from './handlers.ts';
import { magnitude } from './magnitude-step.ts';
import { nm } from './nm-step.ts';
import { modelOf } from './test-models.test-support.ts';

const registry = createRecipeRegistry(unstructuredHandlers);
const model = modelOf([
  { name: 'dense_0/kernel', role: 'dense-kernel', shape: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, Number.NaN] },
  { name: 'dense_1/kernel', role: 'dense-kernel', shape: [4, 2], values: [1, -2, 3, -4, 5, -6, 7, -8] },
]);

async function failure(steps: RecipeStep[]): Promise<{ code: string; step?: number; field?: string; message: string }> {
  const caught = await compress(model, steps, { registry }).catch((error: unknown) => error);
  if (!isWhittleError(caught)) throw new Error(`expected a WhittleError, got ${String(caught)}`);
  expect(caught.message).not.toContain('\n');
  return caught;
}

describe('hostile pruning steps', () => {
  it.each<[string, RecipeStep, string, RegExp]>([
    ['sparsity 1.5', { kind: 'prune.magnitude', sparsity: 1.5 }, 'sparsity', /sparsity must be a finite number in \[0, 1\], got 1\.5/],
    ['sparsity NaN', { kind: 'prune.magnitude', sparsity: Number.NaN }, 'sparsity', /sparsity must be a finite number/],
    ['sparsity missing', { kind: 'prune.magnitude' }, 'sparsity', /sparsity must be a finite number/],
    ['sparsity a string', { kind: 'prune.magnitude', sparsity: '0.5' }, 'sparsity', /got "0\.5"/],
    ['unknown scope', { kind: 'prune.magnitude', sparsity: 0.5, scope: 'model' }, 'scope', /scope must be one of layer, global/],
    ['unknown field', { kind: 'prune.magnitude', sparsity: 0.5, sparsty: 0.5 }, 'sparsty', /unknown field "sparsty" \(did you mean "sparsity"\?\)/],
    ['sparsities not an object', { kind: 'prune.magnitude', sparsities: [0.5] }, 'sparsities', /sparsities must be an object/],
    ['sparsities empty', { kind: 'prune.magnitude', sparsities: {} }, 'sparsities', /1 to 256 globs/],
    ['sparsities value 2', { kind: 'prune.magnitude', sparsities: { 'dense_1/*': 2 } }, 'sparsities["dense_1/*"]', /in \[0, 1\], got 2/],
    ['sparsities bad glob', { kind: 'prune.magnitude', sparsities: { 'dense_[01]/*': 0.5 } }, 'sparsities["dense_[01]/*"]', /\[/],
    ['sparsities with global', { kind: 'prune.magnitude', sparsity: 0.5, scope: 'global', sparsities: { '*': 0.5 } }, 'sparsities', /layer/],
    ['storage unknown field', { kind: 'prune.magnitude', sparsity: 0.5, storage: { layuot: 'csr' } }, 'storage.layuot', /did you mean "layout"/],
    ['storage layout', { kind: 'prune.magnitude', sparsity: 0.5, storage: { layout: 'coo' } }, 'storage.layout', /layout must be one of auto, bitmask, csr, relative, dense/],
    ['storage indexBits 9', { kind: 'prune.magnitude', sparsity: 0.5, storage: { indexBits: 9 } }, 'storage.indexBits', /one of 1, 2, 3, 4, 5, 6, 7, 8, 16/],
    ['storage valueBits 0', { kind: 'prune.magnitude', sparsity: 0.5, storage: { valueBits: 0 } }, 'storage.valueBits', /from 1 to 32/],
    ['storage not an object', { kind: 'prune.magnitude', sparsity: 0.5, storage: 'csr' }, 'storage', /storage must be an object/],
    ['m 17', { kind: 'prune.nm', n: 2, m: 17 }, 'm', /m must be an integer from 2 to 16, got 17/],
    ['n = m', { kind: 'prune.nm', n: 4, m: 4 }, 'n', /n must be an integer from 1 to 3, got 4/],
    ['n > m', { kind: 'prune.nm', n: 9 }, 'n', /n must be an integer from 1 to 3, got 9/],
    ['n 0', { kind: 'prune.nm', n: 0 }, 'n', /from 1 to 3, got 0/],
    ['n 1.5', { kind: 'prune.nm', n: 1.5 }, 'n', /got 1\.5/],
    ['m NaN', { kind: 'prune.nm', m: Number.NaN }, 'm', /m must be an integer/],
    ['nm unknown field', { kind: 'prune.nm', sparsity: 0.5 }, 'sparsity', /unknown field "sparsity"/],
    ['nm storage layout', { kind: 'prune.nm', storage: { layout: 'coo' } }, 'storage.layout', /one of nm, auto, bitmask, csr, relative, dense/],
    ['nm axis 1e9', { kind: 'prune.nm', axis: 1e9 }, 'axis', /axis must be an integer/],
  ])('%s: a one-line invalid-recipe error naming the field', async (_, step, field, message) => {
    const error = await failure([{ kind: 'prune.nm', include: ['dense_1/*'] }, step]);
    expect(error).toMatchObject({ code: 'invalid-recipe', step: 2, field });
    expect(error.message).toMatch(message);
  });

  it('a filter that selects nothing is an error naming the step', async () => {
    for (const step of [magnitude({ sparsity: 0.5, include: ['conv/*'] }), nm({ roles: ['conv2d-kernel'] }), magnitude({ sparsity: 0.5, scope: 'global', exclude: ['**'] })]) {
      const error = await failure([step]);
      expect(error).toMatchObject({ code: 'invalid-recipe', step: 1 });
    }
  });

  it('a sparsities glob that matches no selected param is an error naming the entry', async () => {
    const error = await failure([magnitude({ sparsity: 0.5, include: ['dense_1/*'], sparsities: { 'dense_2/*': 0.9 } })]);
    expect(error).toMatchObject({ code: 'invalid-recipe', step: 1, field: 'sparsities["dense_2/*"]' });
  });

  it('a param no glob of sparsities matches, with no sparsity, is an error naming the param', async () => {
    const error = await failure([magnitude({ include: ['dense_*/*'], sparsities: { 'dense_1/*': 0.9 } })]);
    expect(error).toMatchObject({ code: 'invalid-recipe', step: 1, field: 'sparsity' });
    expect(error.message).toMatch(/param "dense_0\/kernel": the param matches no glob of sparsities/);
  });

  it('a NaN weight is an error naming the param, the element and the step, in every scope', async () => {
    for (const step of [magnitude({ sparsity: 0.5 }), magnitude({ sparsity: 0.5, scope: 'global' }), nm()]) {
      const error = await failure([step]);
      expect(error).toMatchObject({ code: 'invalid-tensor', step: 1, field: 'params["dense_0/kernel"].data[7]' });
      expect(error.message).toMatch(/param "dense_0\/kernel": element 7 is NaN/);
    }
  });

  it('an explicit N:M axis outside a param is an error naming the param and the field', async () => {
    const error = await failure([nm({ axis: 2, include: ['dense_1/*'] })]);
    expect(error).toMatchObject({ code: 'invalid-recipe', step: 1, field: 'axis' });
    expect(error.message).toMatch(/param "dense_1\/kernel": axis 2 is outside/);
  });
});
