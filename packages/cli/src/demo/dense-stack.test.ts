import * as tf from '@tensorflow/tfjs-core';
import { fromTensor, hostTensor, isWhittleError, modelFromTensors, useBackend, type HostTensor } from '@whittle/core';
import { beforeAll, expect, test } from 'vitest';
import { predictOnce } from './dense-stack.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

function sequential(layers: object[]): object {
  return { class_name: 'Sequential', config: { name: 'test', layers } };
}

test('runs Dense layers with their activations, as written by hand', async () => {
  const topology = sequential([
    { class_name: 'Dense', config: { name: 'hidden', units: 2, activation: 'relu', batch_input_shape: [null, 2] } },
    { class_name: 'Dense', config: { name: 'out', units: 1, use_bias: false } },
  ]);
  const model = modelFromTensors(
    {
      'hidden/kernel': hostTensor('float32', [2, 2], new Float32Array([1, -1, 2, 1])),
      'hidden/bias': hostTensor('float32', [2], new Float32Array([0.5, -3])),
      'out/kernel': hostTensor('float32', [2, 1], new Float32Array([2, 10])),
    },
    { topology },
  );
  // x = [1, 1]: hidden = relu([1 + 2 + 0.5, -1 + 1 - 3]) = [3.5, 0]; out = 2 · 3.5 = 7.
  const logits = predictOnce(model, tf.tensor2d([[1, 1]]));
  expect(Array.from(await logits.data())).toEqual([7]);
});

test('runs a tfjs-layers MLP as tfjs-layers does, its roles read off the topology', async () => {
  const tfl = await import('@tensorflow/tfjs-layers');
  const layers = tfl.sequential({
    layers: [
      tfl.layers.dense({ name: 'dense_1', units: 16, activation: 'relu', inputShape: [12], biasInitializer: 'randomNormal' }),
      tfl.layers.dense({ name: 'dense_2', units: 3, biasInitializer: 'randomNormal' }),
    ],
  });
  const named: Array<readonly [string, HostTensor]> = [];
  for (const weight of layers.weights) named.push([weight.originalName, await fromTensor(weight.read())]);
  const model = modelFromTensors(named, { topology: layers.toJSON(null, false) });
  expect(model.params.get('dense_1/kernel')).toMatchObject({ role: 'dense-kernel', shape: [12, 16], layer: 'dense_1' });
  expect(model.params.get('dense_2/bias')).toMatchObject({ role: 'bias', shape: [3] });

  const inputs = tf.randomUniform([5, 12], -1, 1, 'float32', 3) as tf.Tensor2D;
  const logits = predictOnce(model, inputs);
  const expected = layers.predict(inputs) as tf.Tensor;
  expect(logits.shape).toEqual([5, 3]);
  const [actual, wanted] = [await logits.data(), await expected.data()];
  for (let index = 0; index < wanted.length; index++) expect(actual[index]).toBeCloseTo(wanted[index]!, 5);
  tf.dispose([inputs, logits, expected]);
  layers.dispose();
});

test('layers it cannot run are invalid-model errors naming the layer', () => {
  const model = modelFromTensors(
    { 'conv/kernel': hostTensor('float32', [3, 3, 1, 1]) },
    { topology: sequential([{ class_name: 'Conv2D', config: { name: 'conv', filters: 1, kernel_size: [3, 3] } }]) },
  );
  let caught: unknown;
  try {
    predictOnce(model, tf.ones([1, 9]));
  } catch (error) {
    caught = error;
  }
  expect(isWhittleError(caught, 'invalid-model')).toBe(true);
  expect(String(caught)).toMatch(/topology\.layers\.conv: layer class Conv2D is not supported/);
});
