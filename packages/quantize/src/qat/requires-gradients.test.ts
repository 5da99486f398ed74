// Its own file, and without tfjs-layers (which registers tfjs's gradients when it loads): vitest
// runs each file in a fresh process, so nothing has registered them before these tests.
import * as tf from '@tensorflow/tfjs-core';
import { gradientsRegistered, useBackend } from '@whittle/core';
import { expect, it } from 'vitest';
import { applyFakeQuant, type LayersModelLike, type LayerWeightLike } from './fake-quant-model.ts';
import { fakeQuant } from './fake-quant.ts';

/** A model shaped like a tfjs-layers one (one Dense layer), built on tfjs-core alone. */
function denseModel(kernel: tf.Variable): LayersModelLike {
  const weight: LayerWeightLike = { originalName: 'dense/kernel', shape: kernel.shape, read: () => kernel };
  const layer = { name: 'dense', getClassName: () => 'Dense', kernel: weight };
  return { layers: [layer], weights: [weight], toJSON: () => ({}) };
}

it('applyFakeQuant asks for gradients when the backend started without them; inference needs none', async () => {
  await useBackend('cpu');
  expect(gradientsRegistered()).toBe(false);
  const model = denseModel(tf.variable(tf.tensor2d([0.5, -1, 0.25, 1], [2, 2])));
  const failure = (): unknown => applyFakeQuant(model, { bits: 4 });
  expect(failure).toThrow(expect.objectContaining({ code: 'backend-unavailable', field: 'gradients' }));
  expect(failure).toThrow(/applyFakeQuant.*useBackend\(name, \{ gradients: true \}\)/);
  // Nothing was swapped.
  expect((model.layers[0] as unknown as { kernel: LayerWeightLike }).kernel).toBe(model.weights[0]);
  // fakeQuant's forward pass is inference and runs without gradients.
  const values = Array.from(fakeQuant(tf.tensor([0, 1, -1]), { bits: 8 }).dataSync());
  // Within half a step (2 / 255 wide) of each input.
  [0, 1, -1].forEach((input, index) => expect(Math.abs(values[index]! - input)).toBeLessThanOrEqual(1 / 255 + 1e-7));
});

it('with gradients: true, gradients flow through the fake-quantized kernel', async () => {
  await useBackend('cpu', { gradients: true });
  const kernel = tf.variable(tf.tensor2d([0.5, -1, 0.25, 1], [2, 2]));
  const model = denseModel(kernel);
  const aware = applyFakeQuant(model, { bits: 4, granularity: 'tensor' });
  const view = (model.layers[0] as unknown as { kernel: LayerWeightLike }).kernel;
  const inputs = tf.tensor2d([1, 2], [1, 2]);
  // d/dW sum(x·W) is x broadcast over the output columns, straight through the rounding.
  const { grads } = tf.variableGrads(() => tf.sum(tf.matMul(inputs, view.read())) as tf.Scalar, [kernel]);
  expect(Array.from(grads[kernel.name]!.dataSync())).toEqual([1, 1, 2, 2]);
  aware.remove();
});
