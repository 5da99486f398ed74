import * as tf from '@tensorflow/tfjs-core';
import { loadGradients, useBackend } from '@whittle/core';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { registerWasmConv2DFilterKernel } from './conv2d-filter-kernel.ts';
import { convCases, geometry, referenceFilterGradient, seededValues, tfjsSizesPadding, type ConvCase } from './conv2d-reference.test-support.ts';
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
async function filterGradient(x: Float32Array, xShape: number[], filter: Float32Array, filterShape: number[], stride: number, pad: 'valid' | 'same'): Promise<Float32Array> {
  const images = tf.tensor4d(x, xShape as [number, number, number, number]);
  const kernel = tf.tensor4d(filter, filterShape as [number, number, number, number]);
  const bias = tf.ones([filterShape[3]!]);
  const gradient = tf.grad((weights: tf.Tensor) => tf.sum(tf.square(tf.fused.conv2d({ x: images, filter: weights as tf.Tensor4D, strides: stride, pad, bias }))))(kernel);
  try {
    return (await gradient.data()) as Float32Array;
  } finally {
    tf.dispose([images, kernel, bias, gradient]);
  }
}

/** `Conv2DBackpropFilter` called as tfjs's conv2d gradient calls it, on the current backend. */
async function filterGradientKernel(convCase: ConvCase, x: Float32Array, dy: Float32Array): Promise<Float32Array> {
  const { batch, height, width, inChannels, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, pad } = convCase;
  const { outHeight, outWidth } = geometry(convCase);
  const images = tf.tensor4d(x, [batch, height, width, inChannels]);
  const gradients = tf.tensor4d(dy, [batch, outHeight, outWidth, outChannels]);
  const result = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: images, dy: gradients }, {
    strides: [strideHeight, strideWidth],
    pad,
    dataFormat: 'NHWC',
    filterShape: [kernelHeight, kernelWidth, inChannels, outChannels],
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
  try {
    expect(result.shape).toEqual([kernelHeight, kernelWidth, inChannels, outChannels]);
    return (await result.data()) as Float32Array;
  } finally {
    tf.dispose([images, gradients, result]);
  }
}

test('the wasm filter gradient equals the definition written out and the cpu backend, for any stride and padding', async () => {
  await fc.assert(
    fc.asyncProperty(convCases, async (convCase) => {
      const { outHeight, outWidth } = geometry(convCase);
      const x = seededValues(convCase.batch * convCase.height * convCase.width * convCase.inChannels, convCase.seed);
      const dy = seededValues(convCase.batch * outHeight * outWidth * convCase.outChannels, convCase.seed + 0.5);
      await useBackend('wasm');
      const onWasm = await filterGradientKernel(convCase, x, dy);
      await useBackend('cpu');
      // Where tfjs's own size arithmetic is off the cpu backend throws, and only the definition judges.
      const onCpu = tfjsSizesPadding(convCase) ? await filterGradientKernel(convCase, x, dy) : undefined;
      await useBackend('wasm');
      const reference = referenceFilterGradient(convCase, x, dy);
      for (let element = 0; element < reference.length; element++) {
        expect(Math.abs(onWasm[element]! - reference[element]!), 'against the definition').toBeLessThan(1e-4);
        if (onCpu !== undefined) expect(Math.abs(onWasm[element]! - onCpu[element]!), 'against the cpu backend').toBeLessThan(1e-4);
      }
    }),
    { numRuns: 80 },
  );
});

test("the wasm filter gradient through the fused op (what tfjs-layers trains with) equals the cpu backend's, for valid and same padding", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        batch: fc.integer({ min: 1, max: 3 }),
        size: fc.integer({ min: 5, max: 10 }),
        kernelSize: fc.integer({ min: 1, max: 5 }),
        inChannels: fc.integer({ min: 1, max: 3 }),
        outChannels: fc.integer({ min: 1, max: 4 }),
        stride: fc.integer({ min: 1, max: 2 }),
        pad: fc.constantFrom('valid' as const, 'same' as const),
        seed: fc.integer({ min: 0, max: 1000 }),
      }),
      async ({ batch, size, kernelSize, inChannels, outChannels, stride, pad, seed }) => {
        const xShape = [batch, size, size, inChannels];
        const filterShape = [kernelSize, kernelSize, inChannels, outChannels];
        const x = seededValues(xShape.reduce((a, b) => a * b), seed);
        const filter = seededValues(filterShape.reduce((a, b) => a * b), seed + 0.5);
        await useBackend('wasm');
        const onWasm = await filterGradient(x, xShape, filter, filterShape, stride, pad);
        await useBackend('cpu');
        const onCpu = await filterGradient(x, xShape, filter, filterShape, stride, pad);
        const scale = Math.max(1, ...onCpu.map(Math.abs));
        for (let element = 0; element < onCpu.length; element++) expect(Math.abs(onWasm[element]! - onCpu[element]!) / scale).toBeLessThan(1e-4);
      },
    ),
    { numRuns: 12 },
  );
  await useBackend('wasm');
});

test('a channels-first call gets a typed one-line error, not a wrong gradient', async () => {
  await useBackend('wasm');
  const images = tf.ones([1, 1, 8, 8]);
  const gradients = tf.ones([1, 2, 6, 6]);
  expect(() =>
    tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: images, dy: gradients }, { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 1, 2] } as unknown as tf.NamedAttrMap),
  ).toThrow(
    expect.objectContaining({
      name: 'WhittleError',
      code: 'backend-unavailable',
      field: 'dataFormat',
      message: 'dataFormat: Conv2DBackpropFilter on wasm supports channels-last (NHWC) only, got NCHW; train this model on the cpu backend',
    }),
  );
  tf.dispose([images, gradients]);
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
