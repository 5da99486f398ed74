import { validateRecipe, type RecipeStep } from '@whittle/core';
import '@whittle/quantize/register';
import '@whittle/prune/register';
import { expect, test } from 'vitest';
import { DEMO_CONFIG } from './demo-config.ts';
import { deepCompressionRecipe, demoRows } from './demo-rows.ts';
import { layerSettings } from './searched-deep-compression.ts';

const config = DEMO_CONFIG.models['lenet-300-100'];

test('with per-layer settings, each layer is pruned to its own sparsity and shared at its own bits, one k-means step per width, the smallest storage, layers left out retrained unpruned', () => {
  const recipe = deepCompressionRecipe(config, 80, { ip1: { sparsity: 0.98, bits: 4 }, ip2: { sparsity: 0.95, bits: 4 }, ip3: { sparsity: 0.9, bits: 6 } }) as RecipeStep[];
  expect(() => validateRecipe(recipe)).not.toThrow();
  const [prune, ...rest] = recipe;
  expect(prune).toMatchObject({ kind: 'prune.gradual', sparsities: { 'ip1/kernel': 0.98, 'ip2/kernel': 0.95, 'ip3/kernel': 0.9 }, finalSparsity: 0, storage: { layout: 'auto', valueBits: 6 } });
  expect((prune!.storage as Record<string, unknown>).indexBits).toBeUndefined();
  const sharing = rest.filter(({ kind }) => kind === 'quantize.kmeans');
  expect(sharing.map(({ bits, include }) => [bits, include])).toEqual([
    [6, ['ip3/kernel']],
    [4, ['ip1/kernel', 'ip2/kernel']],
  ]);
  for (const step of sharing) expect(step.fineTune).toEqual({ epochs: config.deepCompression.centroidEpochs, batchSize: config.batchSize });
  expect(rest.at(-1)).toEqual({ kind: 'encode.huffman' });
});

test('without per-layer settings the hand-set row is unchanged: one width on every weight and fixed index bits', () => {
  const recipe = deepCompressionRecipe(config, 80) as RecipeStep[];
  expect(recipe[0]).toMatchObject({ sparsities: { 'ip1/kernel': 0.97, 'ip2/kernel': 0.93, 'ip3/kernel': 0.7 }, storage: { layout: 'relative', indexBits: 5, valueBits: 5 } });
  expect(recipe.filter(({ kind }) => kind === 'quantize.kmeans').map(({ bits, include }) => [bits, include])).toEqual([[5, undefined]]);
});

test('the searched row follows deep-compression and has no fixed recipe: it is chosen on the baseline', () => {
  const rows = demoRows(config, 80);
  expect(rows.slice(0, 2).map(({ name }) => name)).toEqual(['deep-compression', 'deep-compression-searched']);
  expect('recipe' in rows[1]!).toBe(false);
});

test("layerSettings reads each kernel's sparsity and k-means bits from its chosen steps, leaving out params kept as they are and biases", () => {
  const setting = (sparsity: number, bits: number) => ({
    label: 'x',
    steps: [
      { kind: 'prune.magnitude', sparsity, storage: { layout: 'csr', valueBits: bits } },
      { kind: 'quantize.kmeans', bits },
    ],
  });
  const choices = [
    { param: 'conv1/kernel', include: 'conv1/kernel', setting: undefined },
    { param: 'conv2/kernel', include: 'conv2/kernel', setting: setting(0.9, 6) },
    { param: 'conv2/bias', include: 'conv2/bias', setting: setting(0.5, 4) },
    { param: 'ip1/kernel', include: 'ip1/kernel', setting: setting(0.98, 4) },
  ];
  expect(layerSettings({ choices })).toEqual({ conv2: { sparsity: 0.9, bits: 6 }, ip1: { sparsity: 0.98, bits: 4 } });
});
