import * as tf from '@tensorflow/tfjs-core';
import {
  compress,
  createRecipeRegistry,
  decodeToFloat32,
  isWhittleError,
  modelFromTensors,
  hostTensor,
  parseRecipe,
  validateRecipe,
  type Model,
} from '@whittle/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { pruneHandlers, pruneStructured, structured, structuredHandler } from '../index.ts';
import { STRUCTURED_CASES, seededModel, stockPredictions } from './structured-models.test-support.ts';

const registry = createRecipeRegistry(pruneHandlers);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function sameValues(left: Model, right: Model, name: string): boolean {
  const a = decodeToFloat32(left.params.get(name)!.value).data;
  const b = decodeToFloat32(right.params.get(name)!.value).data;
  return a.length === b.length && a.every((value, index) => Object.is(value, b[index]));
}

async function caseModel(name: string, seed = 4): Promise<Model> {
  return seededModel(STRUCTURED_CASES.find((item) => item.name === name)!, seed);
}

describe('prune.structured through compress', () => {
  test("the factory's step survives JSON and runs; groups left alone are noted with why, and their params are untouched", async () => {
    const model = await caseModel('residual block');
    const step = structured({ sparsity: 0.5, norm: 'l2', roundTo: 2, ignore: ['inner/bias'] });
    expect(JSON.parse(JSON.stringify(step))).toEqual(step);
    const { model: pruned, steps } = await compress(model, parseRecipe(JSON.stringify([step])), { registry });
    // The stem/branch group (Add-coupled) loses 3 of 6 channels, rounded up to 4 kept.
    expect(pruned.params.get('stem/kernel')!.shape).toEqual([5, 4]);
    expect(pruned.params.get('branch/kernel')!.shape).toEqual([4, 4]);
    expect(pruned.params.get('head/kernel')!.shape).toEqual([4, 3]);
    // The inner group is ignored (its rows still follow the stem group); input and head groups are not prunable.
    expect(pruned.params.get('inner/kernel')!.shape).toEqual([4, 4]);
    expect(pruned.params.get('inner/bias')!.shape).toEqual([4]);
    for (const name of ['inner/bias', 'head/bias']) expect(sameValues(pruned, model, name)).toBe(true);
    const notes = steps[0]!.notes;
    expect(notes.some((note) => /"inner".*ignored: "inner\/bias" matches ignore glob "inner\/bias"/.test(note))).toBe(true);
    expect(notes.some((note) => /"head".*not prunable: "head" is a model output/.test(note))).toBe(true);
    expect(notes.some((note) => /not prunable: InputLayer "features" is a model input/.test(note))).toBe(true);
    expect(steps[0]!.paramsAfter).toBeLessThan(steps[0]!.paramsBefore);
    expect((await stockPredictions(pruned, [5], 1)).every(Number.isFinite)).toBe(true);
  });

  test('the handler gives what pruneStructured gives; an ignored layer keeps every param whole, so each group it touches does', async () => {
    const model = await caseModel('cnn with batch norm, depthwise and separable convs');
    const options = { sparsity: 0.5, ignore: ['sep_norm'] };
    const { model: viaCompress, steps } = await compress(model, [structured(options)], { registry });
    const { model: direct } = pruneStructured(model, options);
    for (const [name, param] of direct.params) {
      expect(viaCompress.params.get(name)!.shape).toEqual(param.shape);
      expect(sameValues(viaCompress, direct, name)).toBe(true);
    }
    expect(direct.params.get('conv/kernel')!.shape).toEqual([3, 3, 3, 3]);
    expect(direct.params.get('dw/depthwise_kernel')!.shape).toEqual([3, 3, 3, 2]);
    expect(direct.params.get('sep/pointwise_kernel')!.shape).toEqual([1, 1, 6, 5]);
    expect(direct.params.get('sep/depthwise_kernel')!.shape).toEqual([3, 3, 6, 1]);
    expect(steps[0]!.notes.some((note) => /ignored: "sep_norm" matches ignore glob "sep_norm"/.test(note))).toBe(true);
    // Ignoring the separable conv itself keeps its input channels too: the conv group stays whole.
    const { model: whole } = pruneStructured(model, { sparsity: 0.5, ignore: ['sep'] });
    expect(whole.params.get('conv/kernel')!.shape).toEqual([3, 3, 3, 6]);
    expect(whole.params.get('sep/pointwise_kernel')!.shape).toEqual([1, 1, 12, 5]);
  });

  test('a producer outside include/exclude leaves its whole group alone, and says so', async () => {
    const model = await caseModel('residual block');
    const { model: pruned, steps } = await compress(model, [structured({ sparsity: 0.5, exclude: ['branch/**'] })], {
      registry,
    });
    expect(pruned.params.get('stem/kernel')!.shape).toEqual([5, 6]);
    expect(pruned.params.get('inner/kernel')!.shape).toEqual([6, 2]);
    expect(steps[0]!.notes.some((note) => /include\/exclude leaves out "branch\/kernel"/.test(note))).toBe(true);
  });

  test('global scope through a recipe keeps at least one channel per group', async () => {
    const model = await caseModel('mlp');
    const { model: pruned } = await compress(model, [{ kind: 'prune.structured', sparsity: 0.99, scope: 'global' }], {
      registry,
    });
    expect(pruned.params.get('hidden_1/kernel')!.shape[1]).toBeGreaterThanOrEqual(1);
    expect(pruned.params.get('hidden_2/kernel')!.shape[1]).toBeGreaterThanOrEqual(1);
    expect(pruned.params.get('hidden_1/kernel')!.shape[1]! + pruned.params.get('hidden_2/kernel')!.shape[1]!).toBe(
      Math.max(2, 16 - Math.floor(16 * 0.99))
    );
  });

  test("a group carried through LayerNormalization is pruned, with the graph's caveat in the notes", async () => {
    const tfl = await import('@tensorflow/tfjs-layers');
    const { fromLayersModel } = await import('@whittle/core/runner');
    const layers = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 6, inputShape: [4], name: 'wide' }),
        tfl.layers.layerNormalization({ name: 'layer_norm' }),
        tfl.layers.dense({ units: 2, name: 'head' }),
      ],
    });
    const model = await fromLayersModel(layers);
    layers.dispose();
    const { model: pruned, steps } = await compress(model, [structured({ sparsity: 0.5 })], { registry });
    expect(pruned.params.get('layer_norm/gamma')!.shape).toEqual([3]);
    expect(steps[0]!.notes.some((note) => /"wide"\) pruned although .*LayerNormalization normalizes over every channel/.test(note))).toBe(
      true
    );
    expect((await stockPredictions(pruned, [4], 1)).every(Number.isFinite)).toBe(true);
  });

  test('a weights-only model is a typed error naming the step and the topology', async () => {
    const weightsOnly = modelFromTensors({
      'dense/kernel': hostTensor('float32', [2, 3], new Float32Array(6).fill(1)),
      'dense/bias': hostTensor('float32', [3], new Float32Array(3)),
    });
    const error = await compress(weightsOnly, [{ kind: 'prune.structured', sparsity: 0.5 }], { registry }).catch(
      (caught: unknown) => caught
    );
    expect(isWhittleError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'invalid-model', step: 1, field: 'topology' });
    expect((error as Error).message).toMatch(/^step 1: topology: structured pruning needs the model's topology/);
  });

  test('an importance function that does not give one finite score per channel is a typed error', async () => {
    const model = await caseModel('mlp');
    for (const importance of [() => [1, 2], () => Array(9).fill(Number.NaN), () => null as never]) {
      const error = await compress(model, [structured({ sparsity: 0.5, importance })], { registry }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'invalid-argument', step: 1, field: 'importance' });
      expect((error as Error).message.split('\n')).toHaveLength(1);
    }
  });

  test('NaN weights are refused naming the group, not ranked', async () => {
    const model = await caseModel('mlp');
    const kernel = decodeToFloat32(model.params.get('hidden_1/kernel')!.value);
    const poisoned = Float32Array.from(kernel.data);
    poisoned[4] = Number.NaN;
    const { replaceParams, denseEncoding } = await import('@whittle/core');
    const bad = replaceParams(model, new Map([['hidden_1/kernel', denseEncoding(hostTensor('float32', kernel.shape, poisoned))]]));
    expect(() => pruneStructured(bad, { sparsity: 0.5 })).toThrow(/group \d+ \("hidden_1"\): channel 4 scores NaN/);
  });
});

describe('prune.structured validation', () => {
  const bad: ReadonlyArray<[string, Record<string, unknown>, string]> = [
    ['sparsity missing', {}, 'sparsity'],
    ['sparsity 1', { sparsity: 1 }, 'sparsity'],
    ['sparsity negative', { sparsity: -0.1 }, 'sparsity'],
    ['sparsity a string', { sparsity: '0.5' }, 'sparsity'],
    ['an unknown norm', { sparsity: 0.5, norm: 'l3' }, 'norm'],
    ['an unknown scope', { sparsity: 0.5, scope: 'layer-wise' }, 'scope'],
    ['roundTo 0', { sparsity: 0.5, roundTo: 0 }, 'roundTo'],
    ['roundTo fractional', { sparsity: 0.5, roundTo: 1.5 }, 'roundTo'],
    ['roundTo huge', { sparsity: 0.5, roundTo: 2 ** 40 }, 'roundTo'],
    ['ignore a string', { sparsity: 0.5, ignore: 'head' }, 'ignore'],
    ['ignore with an empty glob', { sparsity: 0.5, ignore: ['head', ''] }, 'ignore[1]'],
    ['ignore with unsupported syntax', { sparsity: 0.5, ignore: ['dense_{1,2}'] }, 'ignore[0]'],
    ['ignore too long', { sparsity: 0.5, ignore: Array(1001).fill('a') }, 'ignore'],
    ['importance in JSON', { sparsity: 0.5, importance: 'l1' }, 'importance'],
    ['a misspelt field', { sparsity: 0.5, roundto: 8 }, 'roundto'],
    ['a bad role', { sparsity: 0.5, roles: ['kernel'] }, 'roles[0]'],
  ];
  for (const [name, fields, field] of bad) {
    test(`${name}: one-line invalid-recipe naming ${field}`, () => {
      let caught: unknown;
      try {
        validateRecipe([{ kind: 'prune.structured', ...fields }], registry);
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'invalid-recipe', step: 1, field });
      expect((caught as Error).message.split('\n')).toHaveLength(1);
      expect((caught as Error).message.length).toBeLessThan(400);
    });
  }

  test('the handler is a reshaping step with an example it accepts', () => {
    expect(structuredHandler.effect).toBe('reshapes-params');
    expect(validateRecipe([structuredHandler.example!], registry)[0]).toMatchObject({ sparsity: 0.5, roundTo: 8 });
    expect(validateRecipe([{ kind: 'prune.structured', sparsity: 0.25 }], registry)[0]).toEqual({
      kind: 'prune.structured',
      sparsity: 0.25,
      norm: 'l1',
      scope: 'group',
      roundTo: 1,
      ignore: [],
    });
  });

  test('the code API refuses bad options with the same typed errors', async () => {
    const model = await caseModel('mlp');
    expect(() => pruneStructured(model, { sparsity: 2 })).toThrow(/sparsity must be a finite number in \[0, 1\)/);
    expect(() => pruneStructured(model, null as never)).toThrow(/options must be an object/);
  });
});
