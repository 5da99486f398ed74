import * as tf from '@tensorflow/tfjs-core';
import { loadGradients, useBackend } from '@whittle/core';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { convCases, geometry, referenceInputGradient, seededValues, tfjsSizesPadding, type ConvCase } from './conv2d-reference.test-support.ts';
import { registerWasmConv2DInputKernel } from './conv2d-input-kernel.ts';

beforeAll(async () => {
  await loadGradients();
  await useBackend('wasm');
  registerWasmConv2DInputKernel();
});
afterAll(async () => {
  await useBackend('wasm');
});

/** `Conv2DBackpropInput` through tfjs's op (the kernel tfjs calls for conv2d's input gradient), on the current backend. */
async function inputGradient(convCase: ConvCase, dy: Float32Array, filter: Float32Array): Promise<Float32Array> {
  const { batch, height, width, inChannels, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, pad } = convCase;
  const { outHeight, outWidth } = geometry(convCase);
  const gradients = tf.tensor4d(dy, [batch, outHeight, outWidth, outChannels]);
  const kernel = tf.tensor4d(filter, [kernelHeight, kernelWidth, inChannels, outChannels]);
  const result = tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: gradients, filter: kernel }, {
    strides: [strideHeight, strideWidth],
    pad,
    dataFormat: 'NHWC',
    inputShape: [batch, height, width, inChannels],
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
  try {
    expect(result.shape).toEqual([batch, height, width, inChannels]);
    return (await result.data()) as Float32Array;
  } finally {
    tf.dispose([gradients, kernel, result]);
  }
}

test('the wasm input gradient equals the definition written out and the cpu backend, for any stride and padding', async () => {
  expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')?.kernelFunc.name).toBe('im2colInputGradient');
  await fc.assert(
    fc.asyncProperty(convCases, async (convCase) => {
      const { outHeight, outWidth } = geometry(convCase);
      const dy = seededValues(convCase.batch * outHeight * outWidth * convCase.outChannels, convCase.seed);
      const filter = seededValues(convCase.kernelHeight * convCase.kernelWidth * convCase.inChannels * convCase.outChannels, convCase.seed + 0.5);
      await useBackend('wasm');
      const onWasm = await inputGradient(convCase, dy, filter);
      await useBackend('cpu');
      const onCpu = await inputGradient(convCase, dy, filter);
      await useBackend('wasm');
      const reference = referenceInputGradient(convCase, dy, filter);
      for (let element = 0; element < reference.length; element++) {
        expect(Math.abs(onWasm[element]! - reference[element]!), 'against the definition').toBeLessThan(1e-4);
        if (tfjsSizesPadding(convCase)) expect(Math.abs(onWasm[element]! - onCpu[element]!), 'against the cpu backend').toBeLessThan(1e-4);
      }
    }),
    { numRuns: 80 },
  );
});

test("conv2d's input gradient through tf.grad on wasm equals the cpu backend's", async () => {
  const gradient = async () => {
    const x = tf.tensor4d(seededValues(2 * 9 * 9 * 3, 1), [2, 9, 9, 3]);
    const filter = tf.tensor4d(seededValues(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.square(tf.conv2d(input as tf.Tensor4D, filter, 2, 'same'))))(x);
    try {
      return await dx.data();
    } finally {
      tf.dispose([x, filter, dx]);
    }
  };
  await useBackend('wasm');
  const onWasm = await gradient();
  await useBackend('cpu');
  const onCpu = await gradient();
  await useBackend('wasm');
  for (const [element, value] of onWasm.entries()) expect(Math.abs(value - onCpu[element]!)).toBeLessThan(1e-3);
});

test('channels-first calls go to the backend\'s own kernel, and the kernel leaves no memory behind', async () => {
  await useBackend('wasm');
  const dy = tf.ones([1, 2, 4, 4]);
  const filter = tf.ones([3, 3, 3, 2]);
  const bytes = tf.memory().numBytes;
  const result = tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, { strides: 1, pad: 'valid', dataFormat: 'NCHW', inputShape: [1, 3, 6, 6] } as unknown as tf.NamedAttrMap) as tf.Tensor;
  expect(result.shape).toEqual([1, 3, 6, 6]);
  // The corner pixel is under one tap of each of the two output channels.
  expect((await result.data())[0]).toBeCloseTo(2, 5);
  result.dispose();
  const nhwcGradients = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
  const nhwcBytes = tf.memory().numBytes;
  tf.conv2dTranspose(nhwcGradients, filter as tf.Tensor4D, [1, 6, 6, 3], 1, 'valid').dispose();
  expect(tf.memory().numBytes).toBe(nhwcBytes);
  nhwcGradients.dispose();
  expect(tf.memory().numBytes).toBe(bytes);
  tf.dispose([dy, filter]);
});
