import * as tfl from '@tensorflow/tfjs-layers';
import { WhittleError, compress, countParams, createRecipeRegistry, denseEncoding, estimate, hostTensor, replaceParams, type Model } from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { lowRankSvdHandler } from './factorize-step.ts';
import {
  conv2dReference,
  denseReference,
  maxDifference,
  paramValues,
  matrixProduct,
  randomValues,
  seededLayersModel,
  stockPredict,
} from './factorize-models.test-support.ts';

const registry = createRecipeRegistry([lowRankSvdHandler]);

function mlp(sizes: readonly number[], activations: readonly string[]): () => tfl.LayersModel {
  return () =>
    tfl.sequential({
      layers: sizes.slice(1).map((units, index) =>
        tfl.layers.dense({
          units,
          activation: activations[index] as 'relu',
          name: `dense_${index}`,
          ...(index === 0 ? { inputShape: [sizes[0]!] } : {}),
        }),
      ),
    });
}

/** The product-form forward pass of an MLP whose layer i is factorized or not, in float64. */
function mlpReference(model: Model, sizes: readonly number[], activations: readonly string[], inputs: Float32Array, rows: number): Float64Array {
  let values: Float64Array = Float64Array.from(inputs);
  sizes.slice(1).forEach((units, index) => {
    const name = `dense_${index}`;
    const inSize = sizes[index]!;
    let kernel: Float64Array;
    let bias: Float64Array;
    if (model.params.has(`${name}/kernel`)) {
      kernel = paramValues(model, `${name}/kernel`);
      bias = paramValues(model, `${name}/bias`);
    } else {
      const left = paramValues(model, `${name}_lowrank_a/kernel`);
      const right = paramValues(model, `${name}_lowrank_b/kernel`);
      const rank = left.length / inSize;
      kernel = matrixProduct(left, right, inSize, rank, units);
      bias = paramValues(model, `${name}_lowrank_b/bias`);
    }
    values = denseReference(values, rows, kernel, bias, inSize, units, activations[index]!);
  });
  return values;
}

describe('lowrank.svd with rewrite: true', () => {
  test('a factorized MLP loads in stock tfjs and computes its product form, for any sizes and rank', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 2, max: 24 }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 1000 }),
        async (sizes, rank, seed) => {
          const activations = sizes.slice(1).map((_, index) => ['relu', 'tanh', 'linear', 'sigmoid'][(seed + index) % 4]!);
          const model = await seededLayersModel(mlp(sizes, activations), seed);
          const { model: factorized, steps } = await compress(model, [{ kind: 'lowrank.svd', rank }], { registry });
          sizes.slice(1).forEach((units, index) => {
            const inSize = sizes[index]!;
            const kept = Math.min(rank, inSize, units);
            const pays = kept * (inSize + units) < inSize * units;
            expect(factorized.params.has(`dense_${index}/kernel`)).toBe(!pays);
            if (pays) {
              expect(factorized.params.get(`dense_${index}_lowrank_a/kernel`)!.shape).toEqual([inSize, kept]);
              expect(factorized.params.get(`dense_${index}_lowrank_b/kernel`)!.shape).toEqual([kept, units]);
              expect(factorized.params.has(`dense_${index}_lowrank_a/bias`)).toBe(false);
            } else {
              expect(steps[0]!.notes.some((note) => note.startsWith(`dense_${index}/kernel: left alone`))).toBe(true);
              expect(paramValues(factorized, `dense_${index}/kernel`)).toEqual(paramValues(model, `dense_${index}/kernel`));
            }
          });
          const rows = 3;
          const inputs = randomValues(rows * sizes[0]!, seed);
          const actual = await stockPredict(factorized, inputs, [sizes[0]!]);
          const { difference, scale } = maxDifference(mlpReference(factorized, sizes, activations, inputs, rows), actual);
          expect(difference).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
        },
      ),
      { numRuns: 8 },
    );
  });

  test('a factorized Conv2D computes the conv of its product kernel, for strides, dilation and padding', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          kernel: fc.integer({ min: 1, max: 3 }),
          channels: fc.integer({ min: 2, max: 5 }),
          filters: fc.integer({ min: 4, max: 9 }),
          padding: fc.constantFrom('same' as const, 'valid' as const),
          dilated: fc.boolean(),
          stride: fc.integer({ min: 1, max: 2 }),
          activation: fc.constantFrom('relu', 'linear', 'tanh'),
          seed: fc.integer({ min: 1, max: 1000 }),
        }),
        async ({ kernel, channels, filters, padding, dilated, stride, activation, seed }) => {
          const strides: [number, number] = dilated ? [1, 1] : [stride, 1];
          const dilation: [number, number] = dilated ? [2, 1] : [1, 1];
          const inputShape = [7, 6, channels] as const;
          const model = await seededLayersModel(
            () =>
              tfl.sequential({
                layers: [
                  tfl.layers.conv2d({
                    filters,
                    kernelSize: kernel,
                    strides,
                    dilationRate: dilation,
                    padding,
                    activation: activation as 'relu',
                    inputShape: [...inputShape],
                    name: 'conv',
                  }),
                ],
              }),
            seed,
          );
          const { model: factorized } = await compress(model, [{ kind: 'lowrank.svd', rank: 1 }], { registry });
          const rows = kernel * kernel * channels;
          const left = paramValues(factorized, 'conv_lowrank_a/kernel');
          const right = paramValues(factorized, 'conv_lowrank_b/kernel');
          expect(factorized.params.get('conv_lowrank_a/kernel')!.shape).toEqual([kernel, kernel, channels, 1]);
          expect(factorized.params.get('conv_lowrank_b/kernel')!.shape).toEqual([1, 1, 1, filters]);
          const product = matrixProduct(left, right, rows, 1, filters);
          const inputs = randomValues(2 * inputShape[0] * inputShape[1] * channels, seed);
          const expected = conv2dReference(inputs, [2, ...inputShape], product, [kernel, kernel, channels, filters], paramValues(factorized, 'conv_lowrank_b/bias'), {
            strides,
            padding,
            dilation,
            activation,
          });
          const actual = await stockPredict(factorized, inputs, inputShape);
          expect(actual.length).toBe(expected.values.length);
          const { difference, scale } = maxDifference(expected.values, actual);
          expect(difference).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
        },
      ),
      { numRuns: 8 },
    );
  });

  test('names of the new layers are unique even when the derived name is taken', async () => {
    const model = await seededLayersModel(
      () =>
        tfl.sequential({
          layers: [
            tfl.layers.dense({ units: 16, inputShape: [12], name: 'dense' }),
            tfl.layers.dense({ units: 16, name: 'dense_lowrank_a' }),
          ],
        }),
      3,
    );
    const { model: factorized } = await compress(model, [{ kind: 'lowrank.svd', rank: 2, include: ['dense/*'] }], { registry });
    expect([...factorized.params.keys()]).toEqual(['dense_lowrank_a_2/kernel', 'dense_lowrank_b/kernel', 'dense_lowrank_b/bias', 'dense_lowrank_a/kernel', 'dense_lowrank_a/bias']);
    const inputs = randomValues(24, 5);
    const actual = await stockPredict(factorized, inputs, [12]);
    expect(actual.length).toBe(32);
  });

  test('the input model is left as it was', async () => {
    const model = await seededLayersModel(mlp([10, 20, 4], ['relu', 'linear']), 9);
    const before = [...model.params.values()].map((param) => [param.name, paramValues(model, param.name)] as const);
    const { model: factorized } = await compress(model, [{ kind: 'lowrank.svd', rank: 2 }], { registry });
    expect(countParams(factorized)).toBeLessThan(countParams(model));
    expect([...model.params.keys()]).toEqual(before.map(([name]) => name));
    for (const [name, values] of before) expect(paramValues(model, name)).toEqual(values);
  });

  test('an embedding beside Dense layers is noted and left alone: layers are rewritten, not params', async () => {
    const model = await seededLayersModel(
      () =>
        tfl.sequential({
          layers: [
            tfl.layers.embedding({ inputDim: 40, outputDim: 12, inputLength: 3, name: 'embed' }),
            tfl.layers.flatten({ name: 'flat' }),
            tfl.layers.dense({ units: 16, name: 'head' }),
          ],
        }),
      4,
    );
    const { model: factorized, steps } = await compress(model, [{ kind: 'lowrank.svd', rank: 2 }], { registry });
    expect(paramValues(factorized, 'embed/embeddings')).toEqual(paramValues(model, 'embed/embeddings'));
    expect(factorized.params.has('head_lowrank_a/kernel')).toBe(true);
    expect(steps[0]!.notes).toEqual([expect.stringMatching(/^embed\/embeddings: left alone: rewrite: true factorizes the kernels of Dense and Conv2D layers only/)]);
  });
  test('a budget holds over the selected kernels, and estimate gives what compress leaves', async () => {
    const model = await seededLayersModel(
      () =>
        tfl.sequential({
          layers: [
            tfl.layers.conv2d({ filters: 12, kernelSize: 3, inputShape: [6, 6, 4], activation: 'relu', name: 'conv' }),
            tfl.layers.flatten({ name: 'flat' }),
            tfl.layers.dense({ units: 40, activation: 'relu', name: 'hidden' }),
            tfl.layers.dense({ units: 5, name: 'head' }),
          ],
        }),
      6,
    );
    const kernels = (target: Model): number =>
      [...target.params.values()].filter((param) => param.role !== 'bias').reduce((sum, param) => sum + param.shape.reduce((product, size) => product * size, 1), 0);
    for (const settings of [{ rank: 3 }, { budget: 0.3 }, { budget: 0.3, budgetScope: 'layer' }, { energy: 0.8 }]) {
      const step = { kind: 'lowrank.svd', ...settings };
      const { model: factorized, steps } = await compress(model, [step], { registry });
      expect(estimate(model, step, { registry })).toEqual({ params: steps[0]!.paramsAfter, bytes: steps[0]!.bytesAfter });
      expect(countParams(factorized)).toBe(steps[0]!.paramsAfter);
      if ('budget' in settings) expect(kernels(factorized)).toBeLessThanOrEqual(settings.budget! * kernels(model));
      const inputs = randomValues(2 * 144, 8);
      expect((await stockPredict(factorized, inputs, [6, 6, 4])).length).toBe(10);
    }
  });
  test('a NaN kernel is a typed error naming the param, and the input model is left as it was', async () => {
    const model = await seededLayersModel(mlp([10, 20, 4], ['relu', 'linear']), 2);
    const values = Float32Array.from(paramValues(model, 'dense_0/kernel'));
    values[7] = Number.NaN;
    const hostile = replaceParams(model, new Map([['dense_0/kernel', denseEncoding(hostTensor('float32', [10, 20], values))]]));
    for (const settings of [{ rank: 2 }, { energy: 0.9 }]) {
      const caught = await compress(hostile, [{ kind: 'lowrank.svd', ...settings }], { registry }).catch((error: unknown) => error);
      expect(caught).toBeInstanceOf(WhittleError);
      expect((caught as WhittleError).field).toBe('params["dense_0/kernel"].values[7]');
    }
    expect([...hostile.params.keys()]).toEqual([...model.params.keys()]);
    expect(Number.isNaN(paramValues(hostile, 'dense_0/kernel')[7])).toBe(true);
  });
});
