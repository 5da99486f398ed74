import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PARAM_ROLES, compress, createRecipeRegistry, getParam, hostTensor, modelFromTensors, useBackend, validateRecipe, type AffineEncoding, type Model } from '@whittle/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelOfLayers, predict, stockLayersModel } from '../equalize/layers-model-io.test-support.ts';
import { correlatedInputs, normalMatrix } from '../gptq/test-layers.ts';
import { quantizeHandlers } from './handlers.ts';
import { uint8, uint8Handler, type Uint8Step } from './tfjs-stock-steps.ts';

const registry = createRecipeRegistry(quantizeHandlers);
const validate = (step: unknown) => validateRecipe([step], registry)[0]! as Uint8Step;

beforeAll(async () => {
  await useBackend('cpu');
});

/** A small convolutional classifier: Conv2D → depthwise → Dense, with a spread of weight scales. */
function convolutionalLayers(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 2], filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.randomNormal({ seed: 1 }) }),
      tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'valid', depthwiseInitializer: tfl.initializers.randomNormal({ seed: 2 }) }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 4, kernelInitializer: tfl.initializers.randomNormal({ seed: 3 }) }),
    ],
  });
}

/** What stock tfjs decodes of a stock uint8 encoding: code · scale + min in float32, written out. */
function plainDequantize(encoding: AffineEncoding): Float32Array {
  return Float32Array.from(encoding.codes, (code) => code * encoding.scales.data[0]! + encoding.offsets!.data[0]!);
}

function images(count: number, seed: number): tf.Tensor4D {
  return tf.tensor4d(correlatedInputs(count * 64, 2, seed).data, [count, 8, 8, 2]);
}

describe('quantize.uint8 rounding: calibrated', () => {
  it('is plain data that needs the calibration resource and the whole model', () => {
    expect(uint8({ rounding: 'calibrated' })).toStrictEqual({ kind: 'quantize.uint8', rounding: 'calibrated' });
    const config = validate({ kind: 'quantize.uint8', rounding: 'calibrated', range: 'mse' });
    expect(uint8Handler.needs!(config).map((need) => need.name)).toEqual(['calibration']);
    expect(uint8Handler.needs!(validate(uint8()))).toEqual([]);
    expect(uint8Handler.streamsConfig!(config)).toBe(false);
    const param = getParam(modelFromTensors({ w: normalMatrix(4, 2, 1) }), 'w');
    expect(() => uint8Handler.encodeParam!(param, config, { step: 1, resources: {} })).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'rounding' }));
  });

  it('Conv2D, depthwise and Dense kernels get calibrated codes that stock tfjs loads and decodes as plain dequantization does', async () => {
    const layers = convolutionalLayers();
    const model = await modelOfLayers(layers);
    const calibration = images(16, 5);
    // Layer by layer on the float model, biases untouched (the sequential, bias-correcting default has its own tests).
    const step = uint8({ rounding: 'calibrated', sequential: false, biasCorrection: false, roles: [...PARAM_ROLES] });
    const { model: calibrated } = await compress(model, [step], { registry, resources: { calibration: [{ inputs: calibration }] } });
    const { model: nearest } = await compress(model, [uint8({ roles: [...PARAM_ROLES] })], { registry });
    const kernels = [...calibrated.params.values()].filter((param) => param.role.endsWith('kernel'));
    expect(kernels.map((param) => param.role).sort()).toEqual(['conv2d-kernel', 'dense-kernel', 'depthwise-kernel']);
    for (const param of kernels) {
      const encoding = param.value as AffineEncoding;
      const baseline = getParam(nearest, param.name).value as AffineEncoding;
      expect(encoding.scales.data).toStrictEqual(baseline.scales.data);
      expect(encoding.codes).not.toStrictEqual(baseline.codes);
    }
    // Biases have no layer outputs to protect of their own: nearest, as the converter codes them.
    for (const param of calibrated.params.values()) if (param.role === 'bias') expect(param.value).toStrictEqual(getParam(nearest, param.name).value);

    // The reference: the float model with every param replaced by its plain dequantization.
    const reference = convolutionalLayers();
    // Layer names count up per model built, so params pair with weights by position (the save order).
    const params = [...calibrated.params.values()];
    reference.setWeights(reference.weights.map((weight, index) => tf.tensor(plainDequantize(params[index]!.value as AffineEncoding), weight.shape as number[])));
    const stock = await stockLayersModel(calibrated);
    const evaluation = images(8, 99);
    const [expected, actual] = [predict(reference, evaluation), predict(stock, evaluation)];
    actual.forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, 4));

    // On the calibration inputs, the first layer (which sees them unchanged) moves less than with nearest codes.
    const firstKernel = params.find((param) => param.role === 'conv2d-kernel')!.name;
    const firstLayer = (model: Model) =>
      tf.tidy(() => Float32Array.from(tf.conv2d(calibration, tf.tensor4d(plainDequantize(getParam(model, firstKernel).value as AffineEncoding), [3, 3, 2, 6]), 1, 'same').dataSync()));
    const floatOutputs = tf.tidy(() => Float32Array.from(tf.conv2d(calibration, layers.layers[0]!.getWeights()[0] as tf.Tensor4D, 1, 'same').dataSync()));
    const squared = (outputs: Float32Array) => outputs.reduce((sum, value, index) => sum + (value - floatOutputs[index]!) ** 2, 0);
    expect(squared(firstLayer(calibrated))).toBeLessThan(squared(firstLayer(nearest)));
    tf.dispose([calibration, evaluation]);
  });

  it('takes layer inputs by param name for a bare checkpoint; kernels it cannot place round to nearest', async () => {
    const kernel = normalMatrix(16, 4, 7, 0.1);
    const model = modelFromTensors({
      'dense/kernel': kernel,
      'conv/kernel': hostTensor('float32', [3, 3, 2, 2], normalMatrix(18, 2, 8).data),
      // Integer, so nothing to quantize: it needs no calibration inputs either.
      'ids/kernel': hostTensor('int32', [2, 2], Int32Array.of(1, 2, 3, 4)),
    });
    const inputs = correlatedInputs(64, 16, 9);
    const { model: calibrated } = await compress(model, [uint8({ rounding: 'calibrated' })], { registry, resources: { calibration: { 'dense/kernel': inputs } } });
    const { model: nearest } = await compress(model, [uint8()], { registry });
    expect((getParam(calibrated, 'dense/kernel').value as AffineEncoding).codes).not.toStrictEqual((getParam(nearest, 'dense/kernel').value as AffineEncoding).codes);
    expect(getParam(calibrated, 'conv/kernel').value).toStrictEqual(getParam(nearest, 'conv/kernel').value);
    expect(getParam(calibrated, 'ids/kernel').value).toStrictEqual(getParam(model, 'ids/kernel').value);
  });

  it('gives typed errors naming the resource: none given, a non-finite batch, a layer left out', async () => {
    const model = await modelOfLayers(convolutionalLayers());
    const step = uint8({ rounding: 'calibrated' });
    await expect(compress(model, [step], { registry })).rejects.toMatchObject({ code: 'missing-resource', step: 1 });
    const broken = tf.fill([2, 8, 8, 2], Number.NaN) as tf.Tensor4D;
    await expect(compress(model, [step], { registry, resources: { calibration: [{ inputs: broken }] } })).rejects.toMatchObject({
      code: 'invalid-argument',
      step: 1,
      field: expect.stringMatching(/^resources\.calibration/),
    });
    const checkpoint = modelFromTensors({ 'dense/kernel': normalMatrix(4, 2, 1) });
    await expect(compress(checkpoint, [step], { registry, resources: { calibration: { other: correlatedInputs(8, 4, 1) } } })).rejects.toMatchObject({
      code: 'invalid-argument',
      field: 'resources.calibration["dense/kernel"]',
    });
    tf.dispose(broken);
  });
});
