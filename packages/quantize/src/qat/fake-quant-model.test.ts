import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { decode, getParam, hostTensor, toTensor, useBackend, type Model } from '@whittle/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { quantizeAffine } from '../primitives/index.ts';
import { exportFakeQuant } from './export-fake-quant.ts';
import { applyFakeQuant } from './fake-quant-model.ts';

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
});

/** A small regression task: targets from a random two-layer teacher. */
function task(seed: number): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  return tf.tidy(() => {
    const xs = tf.randomNormal([256, 8], 0, 1, 'float32', seed) as tf.Tensor2D;
    const hidden = tf.relu(tf.matMul(xs, tf.randomNormal([8, 16], 0, 0.5, 'float32', seed + 1)));
    const ys = tf.matMul(hidden, tf.randomNormal([16, 1], 0, 0.5, 'float32', seed + 2)) as tf.Tensor2D;
    return { xs, ys };
  });
}

function network(seed: number): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 16, inputShape: [8], activation: 'relu', kernelInitializer: tfl.initializers.glorotNormal({ seed }) }),
      tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + 1 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  return model;
}

function loss(model: tfl.LayersModel, xs: tf.Tensor, ys: tf.Tensor): number {
  return tf.tidy(() => tf.losses.meanSquaredError(ys, model.predict(xs) as tf.Tensor).dataSync()[0]!);
}

/** Loads a whittle model's (decoded) params, in order, into a float tfjs model of the same architecture. */
function load(target: tfl.LayersModel, source: Model): void {
  const values = [...source.params.values()].map((param) => toTensor(decode(param.value)));
  target.setWeights(values);
  tf.dispose(values);
}

describe('applyFakeQuant and exportFakeQuant', () => {
  it('QAT beats post-training round-to-nearest of the same float model, and the export reproduces it', async () => {
    const { xs, ys } = task(1);
    const float = network(10);
    await float.fit(xs, ys, { epochs: 60, batchSize: 32, shuffle: false, verbose: 0 });
    const floatLoss = loss(float, xs, ys);

    // Post-training RTN: the package's own per-channel quantizer on each float kernel.
    const rtn = network(10);
    rtn.setWeights(
      float.weights.map((weight) => {
        const host = hostTensor('float32', weight.shape as number[], weight.read().dataSync() as Float32Array);
        if (!weight.originalName.endsWith('kernel')) return toTensor(host);
        return toTensor(decode(quantizeAffine(host, { bits: 2, granularity: { kind: 'axis', axis: 1 } })));
      }),
    );
    const rtnLoss = loss(rtn, xs, ys);

    // QAT: start from the float weights, fine-tune with 2-bit fake-quantized kernels.
    const trained = network(10);
    trained.setWeights(float.getWeights());
    const aware = applyFakeQuant(trained, { bits: 2 });
    expect(aware.kernels.map((kernel) => kernel.name)).toStrictEqual(
      trained.weights.filter((weight) => weight.originalName.endsWith('kernel')).map((weight) => weight.originalName),
    );
    // The first epoch creates the optimizer's slots; later ones must leave no tensor behind.
    await trained.fit(xs, ys, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
    const before = tf.memory().numTensors;
    await trained.fit(xs, ys, { epochs: 29, batchSize: 32, shuffle: false, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const awareLoss = loss(trained, xs, ys);

    const exported = await exportFakeQuant(aware);
    for (const kernel of aware.kernels) {
      expect(getParam(exported, kernel.name).value).toMatchObject({
        kind: 'affine',
        bits: 2,
        signed: true,
        granularity: { kind: 'axis', axis: 1 },
      });
    }
    expect(getParam(exported, trained.weights[1]!.originalName)).toMatchObject({ role: 'bias', value: { kind: 'dense' } });
    const deployed = network(10);
    load(deployed, exported);
    // The exported encodings reproduce the fake-quantized forward pass exactly.
    const deployedPredictions = (deployed.predict(xs) as tf.Tensor).dataSync();
    const awarePredictions = (trained.predict(xs) as tf.Tensor).dataSync();
    expect(deployedPredictions).toStrictEqual(awarePredictions);
    const quantizedLoss = loss(deployed, xs, ys);
    expect(quantizedLoss).toBe(awareLoss);
    expect(quantizedLoss).toBeLessThan(rtnLoss * 0.7);
    expect(floatLoss).toBeLessThan(quantizedLoss);

    // remove() restores the float forward pass; the trained weights stay.
    aware.remove();
    aware.remove();
    const restored = (trained.predict(xs) as tf.Tensor).dataSync();
    expect(restored).not.toStrictEqual(awarePredictions);
    tf.dispose([xs, ys]);
  });

  it('quantizes Conv2D kernels per output channel or per input group, and respects include/exclude', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [6, 6, 2], activation: 'relu' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 3 }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const [convKernel, , denseKernel] = model.weights.map((weight) => weight.originalName);
    const aware = applyFakeQuant(model, { bits: 4, symmetric: false, granularity: { groupSize: 1 }, exclude: [denseKernel!] });
    expect(aware.kernels.map((kernel) => kernel.name)).toStrictEqual([convKernel]);
    expect(aware.kernels[0]!.options.granularity).toStrictEqual({ kind: 'group', axis: 2, size: 1 });
    const xs = tf.randomNormal([8, 6, 6, 2]);
    const ys = tf.randomNormal([8, 3]);
    await model.fit(xs, ys, { epochs: 2, verbose: 0 });
    const exported = await exportFakeQuant(aware);
    const conv = getParam(exported, convKernel!);
    expect(conv).toMatchObject({ role: 'conv2d-kernel', value: { kind: 'affine', bits: 4, signed: false } });
    expect(conv.value).toHaveProperty('zeroPoints.shape', [3, 3, 2, 4]);
    expect(getParam(exported, denseKernel!).value.kind).toBe('dense');
    const awarePredictions = (model.predict(xs) as tf.Tensor).dataSync();
    aware.remove();
    load(model, exported);
    expect((model.predict(xs) as tf.Tensor).dataSync()).toStrictEqual(awarePredictions);
    tf.dispose([xs, ys]);
  });

  it('refuses to wrap twice and rejects bad options up front, naming the field', () => {
    const model = network(3);
    const second = model.weights[2]!.originalName;
    const aware = applyFakeQuant(model, { bits: 8, granularity: 'tensor', include: [second] });
    expect(aware.kernels.map((kernel) => kernel.name)).toStrictEqual([second]);
    expect(() => applyFakeQuant(model, { bits: 8 })).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    aware.remove();
    expect(() => applyFakeQuant(model, { bits: 1 })).toThrow(expect.objectContaining({ field: 'bits' }));
    expect(() => applyFakeQuant(model, { bits: 4, granularity: { groupSize: 0 } })).toThrow(
      expect.objectContaining({ field: 'granularity' }),
    );
    // Nothing was left half wrapped by the failures.
    expect(applyFakeQuant(model, { bits: 4 }).kernels).toHaveLength(2);
  });
});
