import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PARAM_ROLES, compress, createRecipeRegistry, hostTensor, modelFromTensors, useBackend, validateRecipe } from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelOfLayers, predict, stockLayersModel } from '../equalize/layers-model-io.test-support.ts';
import { quantizeHandlers } from './handlers.ts';
import { DEFAULT_UINT8_EQUALIZE, uint8, uint8Handler, type Uint8Step } from './tfjs-stock-steps.ts';

const registry = createRecipeRegistry(quantizeHandlers);
const validate = (step: unknown) => validateRecipe([step], registry)[0]! as Uint8Step;

beforeAll(async () => {
  await useBackend('cpu');
});

describe('quantize.uint8 equalize', () => {
  it('is plain data, absent unless asked for, and checked as a boolean', () => {
    expect(uint8({ equalize: true, range: 'mse' })).toStrictEqual({ kind: 'quantize.uint8', range: 'mse', equalize: true });
    expect(validate({ kind: 'quantize.uint8', equalize: false })).toStrictEqual({ kind: 'quantize.uint8', equalize: false });
    expect(DEFAULT_UINT8_EQUALIZE).toBe(false);
    fc.assert(
      fc.property(fc.anything(), (equalize) => {
        try {
          expect(validate({ kind: 'quantize.uint8', equalize }).equalize).toBe(equalize);
        } catch (error) {
          expect(error).toMatchObject({ code: 'invalid-recipe', field: 'equalize' });
        }
      }),
    );
  });

  it('needs the whole model: a recipe with it does not stream one param at a time', () => {
    expect(uint8Handler.streamsConfig!(validate(uint8({ equalize: true })))).toBe(false);
    expect(uint8Handler.streamsConfig!(validate(uint8({ equalize: false })))).toBe(true);
    expect(uint8Handler.streamsConfig!(validate(uint8()))).toBe(true);
  });

  it('equalizes before quantizing, and stock tfjs loads the result close to the float model', async () => {
    const layers = tfl.sequential({
      layers: [tfl.layers.dense({ units: 8, inputShape: [4], activation: 'relu' }), tfl.layers.dense({ units: 3 })],
    });
    // Folded-norm-like spread across the first kernel's output channels.
    const [kernel, bias] = layers.layers[0]!.getWeights();
    layers.layers[0]!.setWeights([tf.mul(kernel!, tf.tensor1d([30, 0.1, 1, 5, 0.03, 2, 10, 0.3])), bias!]);
    const model = await modelOfLayers(layers);
    const { model: quantized, steps } = await compress(model, [uint8({ equalize: true, roles: [...PARAM_ROLES] })], { registry });
    expect(steps[0]!.notes).toEqual(['equalized 1 layer pair before quantizing']);
    const stock = await stockLayersModel(quantized);
    const input = tf.randomNormal([16, 4], 0, 1, 'float32', 3);
    const [expected, actual] = [predict(layers, input), predict(stock, input)];
    const scale = Math.sqrt(expected.reduce((sum, value) => sum + value * value, 0) / expected.length);
    const error = Math.sqrt(expected.reduce((sum, value, index) => sum + (value - actual[index]!) ** 2, 0) / expected.length);
    expect(error / scale).toBeLessThan(0.05);
    tf.dispose(input);
  });

  it('gives a typed error on a bare checkpoint, which has no layers to pair', async () => {
    const checkpoint = modelFromTensors({ w: hostTensor('float32', [2, 2], new Float32Array([1, 2, 3, 4])) });
    await expect(compress(checkpoint, [uint8({ equalize: true, roles: [...PARAM_ROLES] })], { registry })).rejects.toMatchObject({ code: 'invalid-model' });
  });
});
