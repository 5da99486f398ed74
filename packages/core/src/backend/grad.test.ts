import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { expect, test } from 'vitest';
import './register-gradients.ts';

test('grad of sum works', async () => {
  await tf.setBackend('cpu');
  const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, x)));
  const out = g(tf.tensor([1, 2, 3]));
  expect(Array.from(await out.data())).toEqual([2, 4, 6]);
});
