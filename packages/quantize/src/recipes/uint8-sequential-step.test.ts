import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { compress, createRecipeRegistry, getParam, modelFromTensors, useBackend, validateRecipe, type AffineEncoding, type Model } from '@whittle/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelOfLayers, predict, stockLayersModel } from '../equalize/layers-model-io.test-support.ts';
import { correlatedInputs, normalMatrix } from '../gptq/test-layers.ts';
import { quantizeHandlers } from './handlers.ts';
import { uint8, type Uint8Step } from './tfjs-stock-steps.ts';

const registry = createRecipeRegistry(quantizeHandlers);

beforeAll(async () => {
  await useBackend('cpu');
});

/** Dense → ReLU → Dense → ReLU → Dense (linear), so the model's mean output is the last layer's. */
function mlpLayers(): tfl.LayersModel {
  const init = (seed: number) => tfl.initializers.randomNormal({ seed, stddev: 0.6 });
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [6], units: 12, activation: 'relu', kernelInitializer: init(1), biasInitializer: init(11) }),
      tfl.layers.dense({ units: 8, activation: 'relu', kernelInitializer: init(2), biasInitializer: init(12) }),
      tfl.layers.dense({ units: 3, kernelInitializer: init(3) }),
    ],
  });
}

/** Conv2D → ReLU → depthwise (its own bias) → flatten → Dense (linear). */
function convolutionalLayers(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.randomNormal({ seed: 1 }) }),
      tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: tfl.initializers.randomNormal({ seed: 2 }), biasInitializer: tfl.initializers.randomNormal({ seed: 4 }) }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.randomNormal({ seed: 3, stddev: 0.2 }) }),
    ],
  });
}

/** Per-output mean of a `[samples, outputs]` prediction. */
function outputMeans(values: Float32Array, outputs: number): number[] {
  const sums = new Array<number>(outputs).fill(0);
  values.forEach((value, index) => (sums[index % outputs]! += value));
  return sums.map((sum) => sum / (values.length / outputs));
}

/** The largest gap between the quantized and the float model's mean outputs, over the float outputs' RMS. */
async function meanGap(layers: tfl.LayersModel, quantized: Model, inputs: tf.Tensor): Promise<number> {
  const floatOutputs = predict(layers, inputs);
  const quantizedOutputs = predict(await stockLayersModel(quantized), inputs);
  const [floatMeans, quantizedMeans] = [outputMeans(floatOutputs, 3), outputMeans(quantizedOutputs, 3)];
  const rms = Math.sqrt(floatOutputs.reduce((sum, value) => sum + value * value, 0) / floatOutputs.length);
  return Math.max(...floatMeans.map((mean, output) => Math.abs(mean - quantizedMeans[output]!))) / rms;
}

describe('quantize.uint8: sequential calibration and bias correction', () => {
  it('is plain data; both options need calibrated rounding', () => {
    expect(uint8({ rounding: 'calibrated', sequential: true, biasCorrection: true })).toStrictEqual({ kind: 'quantize.uint8', rounding: 'calibrated', sequential: true, biasCorrection: true });
    const validate = (step: unknown) => validateRecipe([step], registry)[0]! as Uint8Step;
    expect(validate({ kind: 'quantize.uint8', rounding: 'calibrated', sequential: false })).toStrictEqual({ kind: 'quantize.uint8', rounding: 'calibrated', sequential: false });
    expect(() => validate({ kind: 'quantize.uint8', sequential: true })).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'sequential' }));
    expect(() => validate({ kind: 'quantize.uint8', rounding: 'balanced', biasCorrection: true })).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'biasCorrection' }));
    expect(() => validate({ kind: 'quantize.uint8', rounding: 'calibrated', sequential: 'yes' })).toThrow(expect.objectContaining({ field: 'sequential' }));
  });

  it('makes the mean output on the calibration inputs the float model’s: each layer corrected on the partly quantized model’s inputs', async () => {
    for (const [layers, inputs] of [
      [mlpLayers(), tf.tensor2d(correlatedInputs(64, 6, 5).data, [64, 6])],
      [convolutionalLayers(), tf.tensor4d(normalMatrix(16 * 36, 2, 6).data, [16, 6, 6, 2])],
    ] as const) {
      const model = await modelOfLayers(layers);
      const resources = { calibration: [{ inputs }] };
      const run = async (options: Parameters<typeof uint8>[0]) => (await compress(model, [uint8({ rounding: 'calibrated', ...options })], { registry, resources })).model;
      const corrected = await run({ sequential: true, biasCorrection: true });
      // With model input batches both are the default.
      expect((await run({})).params).toStrictEqual(corrected.params);
      // Biases stay float32 (the step's default roles), so the correction survives as computed.
      expect([...corrected.params.values()].filter((param) => param.role === 'bias').every((param) => param.value.kind === 'dense')).toBe(true);
      // The last layer's inputs come from the quantized, corrected layers before it: corrected
      // against float-model inputs instead, its mean would not land on the float one.
      expect(await meanGap(layers, corrected, inputs)).toBeLessThan(1e-5);
      expect(await meanGap(layers, await run({ sequential: true, biasCorrection: false }), inputs)).toBeGreaterThan(1e-4);
      expect(await meanGap(layers, await run({ sequential: false, biasCorrection: true }), inputs)).toBeGreaterThan(1e-4);
      tf.dispose(inputs);
    }
  });

  it('writes stock uint8 that stock tfjs loads and decodes as plain dequantization does', async () => {
    const layers = mlpLayers();
    const model = await modelOfLayers(layers);
    const inputs = tf.tensor2d(correlatedInputs(64, 6, 7).data, [64, 6]);
    const { model: quantized } = await compress(model, [uint8({ rounding: 'calibrated', sequential: true, biasCorrection: true })], { registry, resources: { calibration: [{ inputs }] } });
    const reference = mlpLayers();
    const params = [...quantized.params.values()];
    const plain = (name: string) => {
      const value = getParam(quantized, name).value;
      if (value.kind === 'dense') return Float32Array.from(value.tensor.data as Float32Array);
      const encoding = value as AffineEncoding;
      expect(encoding.granularity).toStrictEqual({ kind: 'tensor' });
      return Float32Array.from(encoding.codes, (code) => code * encoding.scales.data[0]! + encoding.offsets!.data[0]!);
    };
    reference.setWeights(reference.weights.map((weight, index) => tf.tensor(plain(params[index]!.name), weight.shape as number[])));
    const evaluation = tf.tensor2d(correlatedInputs(32, 6, 99).data, [32, 6]);
    const [expected, actual] = [predict(reference, evaluation), predict(await stockLayersModel(quantized), evaluation)];
    actual.forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, 4));
    tf.dispose([inputs, evaluation]);
  });

  it('needs model input batches: layer inputs by name give a typed error naming the option', async () => {
    const model = modelFromTensors({ 'dense/kernel': normalMatrix(4, 2, 1) });
    const calibration = { 'dense/kernel': correlatedInputs(8, 4, 1) };
    for (const field of ['sequential', 'biasCorrection'] as const) {
      await expect(compress(model, [uint8({ rounding: 'calibrated', [field]: true })], { registry, resources: { calibration } })).rejects.toMatchObject({ code: 'invalid-argument', field, step: 1 });
    }
  });
});
