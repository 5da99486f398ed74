import * as tf from '@tensorflow/tfjs-core';
import { loadGradients, useBackend } from '@whittle/core';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { registerWasmConv2DFilterKernel } from './conv2d-filter-kernel.ts';
import { buildLenet } from './lenet-models.ts';

beforeAll(async () => {
  await loadGradients();
  await useBackend('wasm');
  registerWasmConv2DFilterKernel();
});
afterAll(async () => {
  await useBackend('wasm');
});

/** d/dfilter of sum(conv²) through the fused op (what tfjs-layers trains with), on the current backend. */
async function filterGradient(x: Float32Array, xShape: number[], filter: Float32Array, filterShape: number[], pad: 'valid' | 'same'): Promise<Float32Array> {
  const images = tf.tensor4d(x, xShape as [number, number, number, number]);
  const kernel = tf.tensor4d(filter, filterShape as [number, number, number, number]);
  const bias = tf.ones([filterShape[3]!]);
  const gradient = tf.grad((weights: tf.Tensor) => tf.sum(tf.square(tf.fused.conv2d({ x: images, filter: weights as tf.Tensor4D, strides: 1, pad, bias }))))(kernel);
  try {
    return (await gradient.data()) as Float32Array;
  } finally {
    tf.dispose([images, kernel, bias, gradient]);
  }
}

test("the wasm filter gradient equals the cpu backend's own, for valid and same padding", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        batch: fc.integer({ min: 1, max: 3 }),
        size: fc.integer({ min: 5, max: 10 }),
        kernelSize: fc.integer({ min: 1, max: 5 }),
        inChannels: fc.integer({ min: 1, max: 3 }),
        outChannels: fc.integer({ min: 1, max: 4 }),
        pad: fc.constantFrom('valid' as const, 'same' as const),
        seed: fc.integer({ min: 0, max: 1000 }),
      }),
      async ({ batch, size, kernelSize, inChannels, outChannels, pad, seed }) => {
        const xShape = [batch, size, size, inChannels];
        const filterShape = [kernelSize, kernelSize, inChannels, outChannels];
        const random = (count: number, offset: number) => Float32Array.from({ length: count }, (_, index) => Math.sin(seed * 7.1 + offset + index * 1.37));
        const x = random(xShape.reduce((a, b) => a * b), 0);
        const filter = random(filterShape.reduce((a, b) => a * b), 0.5);
        await useBackend('wasm');
        const onWasm = await filterGradient(x, xShape, filter, filterShape, pad);
        await useBackend('cpu');
        const onCpu = await filterGradient(x, xShape, filter, filterShape, pad);
        const scale = Math.max(1, ...onCpu.map(Math.abs));
        for (let element = 0; element < onCpu.length; element++) expect(Math.abs(onWasm[element]! - onCpu[element]!) / scale).toBeLessThan(1e-4);
      },
    ),
    { numRuns: 12 },
  );
  await useBackend('wasm');
});

test('a strided convolution gets a typed one-line error, not a wrong gradient', async () => {
  await useBackend('wasm');
  const images = tf.ones([1, 8, 8, 1]) as tf.Tensor4D;
  const kernel = tf.ones([3, 3, 1, 2]) as tf.Tensor4D;
  expect(() => tf.grad((weights: tf.Tensor) => tf.sum(tf.fused.conv2d({ x: images, filter: weights as tf.Tensor4D, strides: 2, pad: 'valid' })))(kernel)).toThrow(
    expect.objectContaining({
      name: 'WhittleError',
      code: 'backend-unavailable',
      message: expect.stringMatching(/Conv2DBackpropFilter on wasm supports stride 1, NHWC and valid or same padding, got strides 2(,2)?, pad valid; train this model on the cpu backend$/),
    }),
  );
  tf.dispose([images, kernel]);
});

test("LeNet-5 (Caffe's) has 431,080 params and trains on wasm; LeNet-300-100 has 266,610", async () => {
  await useBackend('wasm');
  const lenet300 = await buildLenet('lenet-300-100', 1);
  expect(lenet300.countParams()).toBe(266_610);
  lenet300.dispose();
  const lenet5 = await buildLenet('lenet-5', 1);
  expect(lenet5.countParams()).toBe(431_080);
  lenet5.compile({ optimizer: tf.train.sgd(0.05), loss: (targets: tf.Tensor, logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(targets, logits) });
  const images = tf.randomUniform([16, 784], 0, 1, 'float32', 3);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5], 'int32'), 10);
  const history = await lenet5.fit(images, labels, { epochs: 4, batchSize: 16, verbose: 0 });
  const losses = history.history.loss as number[];
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  tf.dispose([images, labels]);
  lenet5.dispose();
}, 60_000);
