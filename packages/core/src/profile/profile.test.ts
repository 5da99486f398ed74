import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.ts';
import { readTfjsModel } from '../formats/tfjs/read-tfjs-model.ts';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import { countParams } from '../model/model-queries.ts';
import type { Model } from '../model/types.ts';
import { cast } from '../recipe/cast.ts';
import { compress } from '../recipe/compress.ts';
import { fromLayersModel } from '../runner/from-layers-model.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { profile } from './profile.ts';

beforeAll(async () => {
  await useBackend('cpu');
}, 120_000);

/** conv (stride 2, same) → depthwise (×2, valid) → separable (same) → flatten → dense, on 28×28×3. */
function convolutionModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [28, 28, 3], name: 'image' });
  const conv = tfl.layers.conv2d({ name: 'conv', filters: 4, kernelSize: 3, strides: 2, padding: 'same' }).apply(input) as tfl.SymbolicTensor;
  const depthwise = tfl.layers.depthwiseConv2d({ name: 'depthwise', kernelSize: 3, depthMultiplier: 2, padding: 'valid' }).apply(conv) as tfl.SymbolicTensor;
  const separable = tfl.layers.separableConv2d({ name: 'separable', filters: 6, kernelSize: 3, padding: 'same' }).apply(depthwise) as tfl.SymbolicTensor;
  const flat = tfl.layers.flatten({ name: 'flat' }).apply(separable) as tfl.SymbolicTensor;
  const output = tfl.layers.dense({ name: 'classes', units: 10 }).apply(flat) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

/**
 * LSTM (sequences) → GRU → dense, on 5 steps of 3 features. The recurrent initializer is not the
 * orthogonal default, which needs tfjs's chained ops that tfjs-core's main entry leaves out.
 */
function recurrentModel(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.lstm({ name: 'lstm', units: 4, returnSequences: true, inputShape: [5, 3], recurrentInitializer: 'glorotNormal' }),
      tfl.layers.gru({ name: 'gru', units: 2, recurrentInitializer: 'glorotNormal' }),
      tfl.layers.dense({ name: 'out', units: 1 }),
    ],
  });
}

const layersModels: tfl.LayersModel[] = [];
async function asModel(layersModel: tfl.LayersModel): Promise<Model> {
  layersModels.push(layersModel);
  return fromLayersModel(layersModel);
}
afterAll(() => {
  for (const layersModel of layersModels) layersModel.dispose();
});

describe('profile of a Keras model', () => {
  it('counts params and bytes as tfjs does, multiply-adds by hand, and times every layer', async () => {
    const layersModel = convolutionModel();
    const model = await asModel(layersModel);
    const tensorsBefore = tf.memory().numTensors;
    const result = await profile(model, { backend: 'cpu', runs: 3, warmup: 1 });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(result.inputShapes).toEqual([[1, 28, 28, 3]]);
    const byName = new Map(result.layers.map((layer) => [layer.name, layer]));
    expect(result.layers.map((layer) => layer.name)).toEqual(['image', 'conv', 'depthwise', 'separable', 'flat', 'classes']);
    for (const layer of layersModel.layers) {
      const row = byName.get(layer.name)!;
      expect(row.params, layer.name).toBe(layer.countParams());
      expect(row.bytes, layer.name).toBe(layer.countParams() * 4);
      expect(row.outputShapes, layer.name).toEqual([[1, ...(layer.outputShape as number[]).slice(1)]]);
      expect(row.activationBytes, layer.name).toBe((layer.outputShape as number[]).slice(1).reduce((a, b) => a * b, 4));
      expect(row.milliseconds, layer.name).toBeGreaterThanOrEqual(0);
    }
    // conv: 14×14 positions of 4 filters × 9 taps × 3 channels, and so on down.
    expect(byName.get('conv')!.flops).toBe(14 * 14 * 4 * 9 * 3);
    expect(byName.get('depthwise')!.flops).toBe(12 * 12 * 4 * 2 * 9);
    expect(byName.get('separable')!.flops).toBe(12 * 12 * 8 * 9 + 12 * 12 * 8 * 6);
    expect(byName.get('flat')!.flops).toBe(0);
    expect(byName.get('classes')!.flops).toBe(12 * 12 * 6 * 10);
    expect(result.totals.params).toBe(countParams(model));
    expect(result.totals.flops).toBe(14 * 14 * 4 * 9 * 3 + 12 * 12 * 4 * 2 * 9 + 12 * 12 * 8 * 15 + 12 * 12 * 6 * 10);
    // The separable layer runs with its input (14... → 12×12×8 floats) and output alive at the peak, or earlier layers.
    const sizes = ['image', 'conv', 'depthwise', 'separable', 'flat', 'classes'].map((name) => byName.get(name)!.activationBytes!);
    const expectedPeak = Math.max(...sizes.slice(1).map((size, at) => size + sizes[at]!));
    expect(result.totals.peakActivationBytes).toBe(expectedPeak);
    for (const key of ['params', 'bytes', 'flops', 'time'] as const) {
      expect(result.layers.reduce((total, layer) => total + layer.shares[key]!, 0), key).toBeCloseTo(1, 9);
    }
    expect(result.totals.modelMilliseconds).toBeGreaterThan(0);
    expect(result.totals.layerMilliseconds).toBeGreaterThan(0);
    expect(result.backend).toBe('cpu');
  }, 120_000);

  it('counts LSTM and GRU multiply-adds per step, and follows the input shape given', async () => {
    const model = await asModel(recurrentModel());
    const result = await profile(model, { backend: 'cpu', latency: false, inputShape: [2, 5, 3] });
    const flops = Object.fromEntries(result.layers.map((layer) => [layer.name, layer.flops]));
    // Batch 2, 5 steps: LSTM 4 gates × 4 units × (3 + 4); GRU 3 gates × 2 units × (4 + 2); dense 2 → 1.
    expect(flops).toMatchObject({ lstm: 2 * 5 * 4 * 4 * 7, gru: 2 * 5 * 3 * 2 * 6, out: 2 * 2 * 1 });
    expect(result.totals.modelMilliseconds).toBeNull();
    expect(result.backend).toBeNull();
    expect(result.layers.every((layer) => layer.milliseconds === null || layer.type === 'InputLayer')).toBe(true);
  }, 120_000);

  it('shows the bytes a compressed model really stores', async () => {
    const layersModel = convolutionModel();
    const model = await asModel(layersModel);
    const { model: halved } = await compress(model, [cast('float16')]);
    const result = await profile(halved, { backend: 'cpu', latency: false });
    const byName = new Map(result.layers.map((layer) => [layer.name, layer]));
    for (const layer of layersModel.layers) {
      // The cast halves kernels and keeps biases exact.
      const expected = layer.weights.reduce((total, weight) => total + (weight.shape as number[]).reduce((a, b) => a * b, 1) * (weight.originalName.endsWith('bias') ? 4 : 2), 0);
      expect(byName.get(layer.name)!.bytes, layer.name).toBe(expected);
    }
    expect(byName.get('classes')!.encodings).toEqual(['dense float16', 'dense float32']);
    expect(result.totals.flops).not.toBeNull();
  }, 120_000);
});

describe('profile of a graph or a checkpoint', () => {
  it('gives a TensorFlow graph params, bytes and multiply-adds per node and the whole model its time', async () => {
    const model = await graphDefModel();
    const tensorsBefore = tf.memory().numTensors;
    const result = await profile(model, { backend: 'cpu', runs: 2, warmup: 0 });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const rows = Object.fromEntries(result.layers.map((layer) => [layer.name, [layer.type, layer.params, layer.bytes]]));
    expect(rows).toEqual({ x: ['Placeholder', 0, 0], 'dense/MatMul': ['MatMul', 12, 48], 'dense/BiasAdd': ['BiasAdd', 3, 12], 'dense/Relu': ['Relu', 0, 0] });
    expect(result.inputShapes).toEqual([[1, 4]]);
    expect(result.totals.modelMilliseconds).toBeGreaterThan(0);
    // The MatMul multiplies a [1, 4] input with the [4, 3] kernel; the rest multiply no weight.
    expect(Object.fromEntries(result.layers.map((layer) => [layer.name, layer.flops]))).toEqual({ x: 0, 'dense/MatMul': 4 * 3, 'dense/BiasAdd': 0, 'dense/Relu': 0 });
    const batched = await profile(model, { backend: 'cpu', latency: false, inputShape: [5, 4] });
    expect(batched.totals.flops).toBe(5 * 4 * 3);
    expect(batched.totals.modelMilliseconds).toBeNull();
  }, 120_000);

  it('groups a checkpoint by layer name, without multiply-adds or times', async () => {
    const model = modelFromTensors({
      'fc1.weight': hostTensor('float32', [8, 4]),
      'fc1.bias': hostTensor('float32', [8]),
      'fc2.weight': hostTensor('float16', [2, 8]),
    });
    const result = await profile(model);
    expect(result.layers.map((layer) => [layer.name, layer.params, layer.bytes])).toEqual([['fc1', 40, 160], ['fc2', 16, 32]]);
    expect(result.totals).toMatchObject({ params: 56, bytes: 192, flops: null, modelMilliseconds: null, layerMilliseconds: null });
    expect(result.layers[0]!.shares).toEqual({ params: 40 / 56, bytes: 160 / 192, flops: null, time: null });
    expect(result.notes[0]).toMatch(/checkpoint/);
    // The JSON of a profile holds numbers or null, never strings such as "Infinity".
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});

describe('profile options', () => {
  it('refuses bad options with one typed line naming the field', async () => {
    const model = modelFromTensors({ w: hostTensor('float32', [2]) });
    for (const [options, field] of [
      [{ runs: 0 }, 'runs'],
      [{ runs: 1.5 }, 'runs'],
      [{ warmup: -1 }, 'warmup'],
      [{ backend: 'gpu' }, 'backend'],
      [{ latency: 'yes' }, 'latency'],
      [{ inputShape: [1, -3] }, 'inputShape'],
      [{ inputShape: [1, 2 ** 20, 2 ** 20] }, 'inputShape'],
      [{ inputShape: new Array(1_000_000).fill(1) }, 'inputShape'],
      [{ inputShape: 'big' }, 'inputShape'],
      [{ speed: 'fast' }, 'options'],
      ['fast', 'options'],
    ] as const) {
      const failure = await profile(model, options as never).catch((error: unknown) => error);
      expect(failure, JSON.stringify(options).slice(0, 60)).toMatchObject({ code: 'invalid-argument', field });
      expect((failure as Error).message.length).toBeLessThan(300);
      expect((failure as Error).message).not.toContain('\n');
    }
    await expect(profile(null as never)).rejects.toMatchObject({ code: 'invalid-argument', field: 'model' });
  });

  it('refuses an input shape that does not fit the model', async () => {
    const model = await asModel(convolutionModel());
    await expect(profile(model, { backend: 'cpu', inputShape: [1, 784] })).rejects.toMatchObject({ code: 'invalid-argument', field: 'inputShape' });
    await expect(profile(model, { backend: 'cpu', inputShape: [1, 28, 29, 3] })).rejects.toMatchObject({ code: 'invalid-argument', field: 'inputShape' });
  }, 120_000);
});

async function graphDefModel(): Promise<Model> {
  const float = { type: 'DT_FLOAT' };
  const constant = (name: string, dims: number[]) => ({
    name,
    op: 'Const',
    attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: dims.map((size) => ({ size: String(size) })) } } } },
  });
  const modelJson = {
    format: 'graph-model',
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: float, shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } } },
        constant('dense/kernel', [4, 3]),
        constant('dense/bias', [3]),
        { name: 'dense/MatMul', op: 'MatMul', input: ['x', 'dense/kernel'], attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: 'dense/BiasAdd', op: 'BiasAdd', input: ['dense/MatMul', 'dense/bias'], attr: { T: float } },
        { name: 'dense/Relu', op: 'Relu', input: ['dense/BiasAdd'], attr: { T: float } },
      ],
      library: {},
      versions: { producer: 1286 },
    },
    weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'dense/kernel', shape: [4, 3], dtype: 'float32' }, { name: 'dense/bias', shape: [3], dtype: 'float32' }] }],
  };
  return readTfjsModel(modelJson, async () => new Uint8Array(15 * 4));
}
