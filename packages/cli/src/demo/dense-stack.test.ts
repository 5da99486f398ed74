import * as tf from '@tensorflow/tfjs-core';
import { hostTensor, isWhittleError, modelFromTensors, useBackend } from '@whittle/core';
import { beforeAll, expect, test } from 'vitest';
import { predictOnce } from './dense-stack.ts';
import { DEMO_MLP, mlpClassifier } from './mlp-classifier.ts';

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

test('the demo MLP maps a batch to one logit per class, its roles read off the topology', async () => {
  const model = mlpClassifier(DEMO_MLP);
  expect(model.params.get('dense_1/kernel')).toMatchObject({ role: 'dense-kernel', shape: [784, 256], layer: 'dense_1' });
  expect(model.params.get('dense_3/bias')).toMatchObject({ role: 'bias', shape: [10] });
  const logits = predictOnce(model, tf.ones([3, 784]));
  expect(logits.shape).toEqual([3, 10]);
  expect(Array.from(await logits.data()).every(Number.isFinite)).toBe(true);
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
