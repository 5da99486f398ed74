import * as tf from '@tensorflow/tfjs-core';
import { loadGradients, useBackend } from '@whittle/core';
import { expect, test } from 'vitest';
import { withConvolutionGradients } from './structured-conv-gradient.ts';

/** d/dfilter of sum(conv2d(x, filter) × weights), on the current backend, as plain numbers. */
async function filterGradient(stride: number, pad: 'valid' | 'same'): Promise<Float32Array> {
  const x = tf.randomNormal([3, 9, 8, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
  const filter = tf.randomNormal([3, 2, 4, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
  const outputShape = tf.conv2d(x, filter, stride, pad).shape;
  const weights = tf.randomNormal(outputShape, 0, 1, 'float32', 3);
  const gradient = tf.grad((kernel) => tf.sum(tf.mul(tf.conv2d(x, kernel as tf.Tensor4D, stride, pad), weights)))(filter);
  const values = (await gradient.data()) as Float32Array;
  tf.dispose([x, filter, weights, gradient]);
  return values;
}

test('on wasm, the filter gradient equals the cpu backend’s conv2DBackpropFilter, and tfjs’s own gradient is back after', async () => {
  await loadGradients();
  await useBackend('cpu');
  const cases = [
    [1, 'valid'],
    [1, 'same'],
  ] as const;
  const expected = await Promise.all(cases.map(([stride, pad]) => filterGradient(stride, pad)));
  await useBackend('wasm');
  const original = tf.getGradient(tf.Conv2D);
  await withConvolutionGradients(async () => {
    expect(tf.getGradient(tf.Conv2D)).not.toBe(original);
    for (const [index, [stride, pad]] of cases.entries()) {
      const actual = await filterGradient(stride, pad);
      expect(actual.length).toBe(expected[index]!.length);
      actual.forEach((value, at) => expect(Math.abs(value - expected[index]![at]!)).toBeLessThan(1e-3 * (1 + Math.abs(expected[index]![at]!))));
    }
  });
  expect(tf.getGradient(tf.Conv2D)).toBe(original);
  await expect(withConvolutionGradients(async () => Promise.reject(new Error('stop')))).rejects.toThrow('stop');
  expect(tf.getGradient(tf.Conv2D)).toBe(original);
});
