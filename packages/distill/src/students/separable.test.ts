import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { decodeToFloat32, isWhittleError, type HostTensor } from '@whittle/core';
import { fromLayersModel } from '@whittle/core/runner';
import { describe, expect, test } from 'vitest';
import { compareCost, modelCost } from './model-cost.ts';
import { separable, separableFactors } from './separable.ts';
import { cnnTeacher, loadStock, lstmTeacher, maxDifference, mlpTeacher, paramCount, runStock, sampleInputs } from './students.test-support.ts';

async function wideConvTeacher(channels: number, kernelSize: number) {
  const layersModel = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: channels, kernelSize, padding: 'same', inputShape: [16, 16, channels], name: 'wide', kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }) }),
      tfl.layers.globalAveragePooling2d({ name: 'pool' }),
    ],
  });
  try {
    return await fromLayersModel(layersModel);
  } finally {
    layersModel.dispose();
  }
}

describe('separable', () => {
  test('replaces each Conv2D over 1×1 by depthwise + pointwise that stock tfjs loads, with fewer params', async () => {
    const { model, inputShape } = await cnnTeacher(3, 8);
    const student = separable(model);
    const layers = await loadStock(student);
    const classes = layers.layers.map((layer) => `${layer.name}:${layer.getClassName()}`);
    expect(classes).toEqual([
      'image:InputLayer',
      'conv_1_depthwise:DepthwiseConv2D',
      'conv_1:Conv2D',
      'conv_2_depthwise:DepthwiseConv2D',
      'conv_2:Conv2D',
      'norm:BatchNormalization',
      'relu:Activation',
      'mix:Conv2D',
      'flat:Flatten',
      'head:Dense',
    ]);
    const conv2 = layers.getLayer('conv_2_depthwise').getConfig();
    expect(conv2.strides).toEqual([2, 2]);
    expect(conv2.padding).toBe('valid');
    expect(layers.getLayer('conv_1').getConfig().activation).toBe('relu');
    expect(layers.getLayer('conv_1').getConfig().kernelSize).toEqual([1, 1]);
    layers.dispose();
    expect(paramCount(student)).toBeLessThan(paramCount(model));
    // The 1×1 `mix` and every other weight are the teacher's.
    expect(decodeToFloat32(student.params.get('mix/kernel')!.value).data).toEqual(decodeToFloat32(model.params.get('mix/kernel')!.value).data);
    expect(decodeToFloat32(student.params.get('conv_1/bias')!.value).data).toEqual(decodeToFloat32(model.params.get('conv_1/bias')!.value).data);
    const inputs = sampleInputs(3, inputShape, 5);
    const output = await runStock(student, inputs);
    expect(output.length).toBe(12);
    expect(output.every(Number.isFinite)).toBe(true);
    inputs.dispose();
  });

  test('a teacher whose kernels are separable is reproduced: outputs equal the teacher run in tfjs', async () => {
    // Kernel W[i, j, c, o] = d[i, j, c] · p[c, o]: exactly one depthwise + pointwise pair.
    const layersModel = tfl.sequential({
      layers: [tfl.layers.conv2d({ filters: 5, kernelSize: [3, 2], strides: [1, 2], dilationRate: 1, padding: 'same', activation: 'tanh', inputShape: [6, 6, 4], name: 'conv' })],
    });
    const depth = tf.randomNormal([3, 2, 4, 1], 0, 1, 'float32', 1);
    const point = tf.randomNormal([1, 1, 4, 5], 0, 1, 'float32', 2);
    const kernel = tf.tidy(() => tf.mul(depth, tf.reshape(point, [1, 1, 4, 5])));
    layersModel.setWeights([kernel, tf.randomNormal([5], 0, 1, 'float32', 3)]);
    const teacher = await fromLayersModel(layersModel);
    layersModel.dispose();
    const inputs = sampleInputs(2, [6, 6, 4], 7);
    expect(maxDifference(await runStock(separable(teacher), inputs), await runStock(teacher, inputs))).toBeLessThan(1e-4);
    tf.dispose([inputs, depth, point, kernel]);
  });

  test('separableFactors gives the best rank-one fit per input channel (checked on a plain 2-D case)', () => {
    // One input channel, a 1×2 kernel with 2 outputs: the slice [[3, 0], [4, 5]] has σ₁ = √45.
    const kernel: HostTensor<'float32'> = { dtype: 'float32', shape: [1, 2, 1, 2], data: new Float32Array([3, 0, 4, 5]) };
    const { depthwise, pointwise } = separableFactors(kernel);
    const product = [0, 1].flatMap((position) => [0, 1].map((output) => depthwise.data[position]! * pointwise.data[output]!));
    // Oracle: the rank-one truncation σ₁·u₁·v₁ᵀ of [[3, 0], [4, 5]], worked by hand: AᵀA = [[25, 20], [20, 25]]
    // has eigenvector (1, 1)/√2 for 45, so σ₁u₁v₁ᵀ = A·v₁·v₁ᵀ = [[1.5, 1.5], [4.5, 4.5]].
    expect(product.map((value) => Number(value.toFixed(5)))).toEqual([1.5, 1.5, 4.5, 4.5]);
  });

  test('cuts 3×3 multiply-adds 8–9× on wide layers, as MobileNet counts them', async () => {
    for (const channels of [128, 256]) {
      const teacher = await wideConvTeacher(channels, 3);
      const { before, after, multiplyAddRatio, parameterRatio } = compareCost(teacher, separable(teacher));
      // Oracle: 16·16·9·C·C against 16·16·(9·C + C·C).
      expect(before.multiplyAdds).toBe(16 * 16 * 9 * channels * channels);
      expect(after.multiplyAdds).toBe(16 * 16 * (9 * channels + channels * channels));
      expect(multiplyAddRatio).toBeGreaterThan(8);
      expect(multiplyAddRatio).toBeLessThan(9);
      expect(parameterRatio).toBeGreaterThan(8);
    }
  });

  test('refuses teachers with nothing to replace or of another format', async () => {
    const cases: [unknown, string][] = [
      [(await mlpTeacher(4, [5], 2)).model, 'teacher'],
      [(await lstmTeacher()).model, 'teacher'],
      [{ format: 'tfjs-graph', topology: null, params: new Map() }, 'teacher.format'],
    ];
    for (const [teacher, field] of cases) {
      let caught: unknown;
      try {
        separable(teacher as never);
      } catch (error) {
        caught = error;
      }
      expect(isWhittleError(caught, 'invalid-argument'), String(caught)).toBe(true);
      expect((caught as { field: string }).field).toBe(field);
    }
  });
});

describe('modelCost', () => {
  test('output shapes match what stock tfjs-layers computes, and params match its count', async () => {
    const { model: cnn } = await cnnTeacher();
    for (const model of [cnn, separable(cnn), (await lstmTeacher()).model, (await mlpTeacher(7, [9], 2)).model]) {
      const cost = modelCost(model);
      const layers = await loadStock(model);
      expect(cost.params).toBe(layers.countParams());
      for (const layer of layers.layers) {
        const measured = cost.layers.find((entry) => entry.name === layer.name);
        expect(measured?.outputShape, layer.name).toEqual((layer.outputShape as number[]).slice(1));
      }
      layers.dispose();
    }
  });

  test('counts multiply-adds by the textbook formulas', async () => {
    const { model } = await cnnTeacher(1, 8);
    const byName = new Map(modelCost(model).layers.map((layer) => [layer.name, layer.multiplyAdds]));
    expect(byName.get('conv_1')).toBe(8 * 8 * 9 * 3 * 8);
    expect(byName.get('conv_2')).toBe(3 * 3 * 9 * 8 * 16);
    expect(byName.get('mix')).toBe(3 * 3 * 16 * 8);
    expect(byName.get('head')).toBe(72 * 4);
    const lstm = modelCost((await lstmTeacher(6)).model);
    expect(lstm.multiplyAdds).toBe(5 * 4 * 6 * (3 + 6) + 5 * 4 * 6 * (6 + 6) + 6 * 3);
  });

  test('takes another input shape, and refuses bad ones with typed errors', async () => {
    const { model } = await cnnTeacher(1, 8);
    expect(modelCost(model, { inputShape: [16, 16, 3] }).layers.find((layer) => layer.name === 'conv_1')!.multiplyAdds).toBe(16 * 16 * 9 * 3 * 8);
    for (const inputShape of [[], [0, 8, 3], [8, 8, -1], [Number.NaN], [2 ** 30, 2 ** 30, 3], [2, 2, 3]]) {
      let caught: unknown;
      try {
        modelCost(model, { inputShape });
      } catch (error) {
        caught = error;
      }
      expect(isWhittleError(caught), `${inputShape.join(',')}: ${String(caught)}`).toBe(true);
    }
  });
});
