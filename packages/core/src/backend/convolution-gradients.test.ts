import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, expect, test } from 'vitest';
import { loadGradients } from './gradients.ts';
import { useBackend } from './use-backend.ts';

beforeAll(async () => {
  await useBackend('wasm', { gradients: true });
}, 120_000);

interface Case {
  readonly height: number;
  readonly width: number;
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly pad: 'valid' | 'same';
}

/** d/dfilter and d/dx of sum(conv2d(x, filter) × weights) on the current backend. */
async function gradients({ height, width, kernel, stride, pad }: Case): Promise<[Float32Array, Float32Array]> {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, height, width, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const filter = tf.randomNormal([...kernel, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const weights = tf.randomNormal(tf.conv2d(x, filter, stride, pad).shape, 0, 1, 'float32', 3);
    const [dx, dfilter] = tf.grads((input, kernelValues) =>
      tf.sum(tf.mul(tf.conv2d(input as tf.Tensor4D, kernelValues as tf.Tensor4D, stride, pad), weights))
    )([x, filter]);
    return [dfilter!.dataSync() as Float32Array, dx!.dataSync() as Float32Array] as [Float32Array, Float32Array];
  });
}

const convolution = fc.record({
  height: fc.integer({ min: 3, max: 9 }),
  width: fc.integer({ min: 3, max: 9 }),
  kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  pad: fc.constantFrom<'valid' | 'same'>('valid', 'same'),
});

test('on wasm, Conv2D trains: filter and input gradients equal the cpu backend’s, for every stride, valid or same', async () => {
  await fc.assert(
    fc.asyncProperty(convolution, async (convolutionCase) => {
      await useBackend('cpu');
      const [expectedFilter, expectedInput] = await gradients(convolutionCase);
      await useBackend('wasm');
      const [filter, input] = await gradients(convolutionCase);
      filter.forEach((value, at) => expect(Math.abs(value - expectedFilter[at]!)).toBeLessThan(1e-3 * (1 + Math.abs(expectedFilter[at]!))));
      input.forEach((value, at) => expect(Math.abs(value - expectedInput[at]!)).toBeLessThan(1e-3 * (1 + Math.abs(expectedInput[at]!))));
    }),
    { numRuns: 25 }
  );
}, 120_000);

test('registering twice keeps one wrapper, and the cpu backend keeps its own kernel', async () => {
  const first = tf.getGradient(tf.Conv2D);
  await loadGradients();
  expect(tf.getGradient(tf.Conv2D)).toBe(first);
  expect(tf.getKernel(tf.Conv2DBackpropFilter, 'cpu')).toBeDefined();
});

interface DepthwiseCase extends Case {
  readonly multiplier: number;
}

/** d/dfilter and d/dx of sum(depthwiseConv2d(x, filter) × weights) on the current backend. */
async function depthwiseGradients({ height, width, kernel, stride, pad, multiplier }: DepthwiseCase): Promise<[Float32Array, Float32Array]> {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, height, width, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const filter = tf.randomNormal([...kernel, 3, multiplier], 0, 1, 'float32', 5) as tf.Tensor4D;
    const weights = tf.randomNormal(tf.depthwiseConv2d(x, filter, stride, pad).shape, 0, 1, 'float32', 6);
    const [dx, dfilter] = tf.grads((input, kernelValues) =>
      tf.sum(tf.mul(tf.depthwiseConv2d(input as tf.Tensor4D, kernelValues as tf.Tensor4D, stride, pad), weights))
    )([x, filter]);
    return [dfilter!.dataSync() as Float32Array, dx!.dataSync() as Float32Array] as [Float32Array, Float32Array];
  });
}

test('on wasm, DepthwiseConv2D trains: filter and input gradients equal the cpu backend’s, for every stride, multiplier, valid or same', async () => {
  expect(tf.getKernel(tf.DepthwiseConv2dNativeBackpropFilter, 'wasm')).toBeUndefined();
  await fc.assert(
    fc.asyncProperty(
      convolution.chain((convolutionCase) =>
        fc.integer({ min: 1, max: 3 }).map((multiplier) => ({ ...convolutionCase, stride: [convolutionCase.stride[0], convolutionCase.stride[0]] as [number, number], multiplier })),
      ),
      async (depthwiseCase) => {
        await useBackend('cpu');
        const [expectedFilter, expectedInput] = await depthwiseGradients(depthwiseCase);
        await useBackend('wasm');
        const [filter, input] = await depthwiseGradients(depthwiseCase);
        expect(filter.length).toBe(expectedFilter.length);
        expect(input.length).toBe(expectedInput.length);
        filter.forEach((value, at) => expect(Math.abs(value - expectedFilter[at]!)).toBeLessThan(1e-3 * (1 + Math.abs(expectedFilter[at]!))));
        input.forEach((value, at) => expect(Math.abs(value - expectedInput[at]!)).toBeLessThan(1e-3 * (1 + Math.abs(expectedInput[at]!))));
      },
    ),
    { numRuns: 25 }
  );
}, 120_000);

test('on wasm, a DepthwiseConv2D whose dilations are null (as tfjs-layers passes them) trains too', async () => {
  await useBackend('wasm');
  const [dx, dfilter] = tf.tidy(() => {
    const x = tf.randomNormal([1, 5, 5, 2], 0, 1, 'float32', 7);
    const filter = tf.randomNormal([3, 3, 2, 1], 0, 1, 'float32', 8);
    const gradients = tf.grads((input, kernel) =>
      tf.sum(tf.engine().runKernel(tf.DepthwiseConv2dNative, { x: input, filter: kernel }, { strides: [1, 1], pad: 'same', dilations: null } as unknown as tf.NamedAttrMap) as tf.Tensor)
    )([x, filter]);
    return gradients.map((gradient) => gradient.shape);
  });
  expect(dx).toEqual([1, 5, 5, 2]);
  expect(dfilter).toEqual([3, 3, 2, 1]);
});
