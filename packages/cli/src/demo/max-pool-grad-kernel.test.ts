import * as tf from '@tensorflow/tfjs-core';
import { loadGradients, useBackend } from '@whittle/core';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { geometry, seededValues, tfjsSizesPadding, type ConvCase } from './conv2d-reference.test-support.ts';
import { registerWasmMaxPoolGradKernel } from './max-pool-grad-kernel.ts';

beforeAll(async () => {
  await loadGradients();
  await useBackend('wasm');
  registerWasmMaxPoolGradKernel();
});
afterAll(async () => {
  await useBackend('wasm');
});

/** A pooling case: a convolution case whose filter is the window and whose channels pass through. */
const poolCases: fc.Arbitrary<ConvCase & { seed: number; ties: boolean }> = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 4, max: 11 }),
    width: fc.integer({ min: 4, max: 11 }),
    inChannels: fc.integer({ min: 1, max: 4 }),
    kernelHeight: fc.integer({ min: 1, max: 4 }),
    kernelWidth: fc.integer({ min: 1, max: 4 }),
    strideHeight: fc.integer({ min: 1, max: 3 }),
    strideWidth: fc.integer({ min: 1, max: 3 }),
    pad: fc.oneof(fc.constantFrom('valid' as const, 'same' as const), fc.integer({ min: 0, max: 1 })),
    seed: fc.integer({ min: 0, max: 1000 }),
    ties: fc.boolean(),
  })
  .map((poolCase) => ({ ...poolCase, outChannels: poolCase.inChannels }))
  .filter((poolCase) => {
    const { outHeight, outWidth } = geometry(poolCase);
    // tfjs's forward maxPool itself mis-sizes a numeric pad with unequal windows or strides: no gradient exists to test there.
    return outHeight > 0 && outWidth > 0 && tfjsSizesPadding(poolCase) && (typeof poolCase.pad !== 'number' || poolCase.pad < poolCase.kernelHeight);
  });

/** dx of sum(dy · maxPool(x)) written out: each window's dy goes to its first largest input, row-major. */
function referencePoolGradient(poolCase: ConvCase, x: Float32Array, dy: Float32Array): Float32Array {
  const { batch, height, width, inChannels: channels, kernelHeight, kernelWidth, strideHeight, strideWidth } = poolCase;
  const { outHeight, outWidth, top, left } = geometry(poolCase);
  const gradient = new Float32Array(x.length);
  for (let image = 0; image < batch; image++)
    for (let outRow = 0; outRow < outHeight; outRow++)
      for (let outColumn = 0; outColumn < outWidth; outColumn++)
        for (let channel = 0; channel < channels; channel++) {
          let best = -Infinity;
          let at = -1;
          for (let tapRow = 0; tapRow < kernelHeight; tapRow++)
            for (let tapColumn = 0; tapColumn < kernelWidth; tapColumn++) {
              const row = outRow * strideHeight - top + tapRow;
              const column = outColumn * strideWidth - left + tapColumn;
              if (row < 0 || row >= height || column < 0 || column >= width) continue;
              const index = ((image * height + row) * width + column) * channels + channel;
              if (x[index]! > best) [best, at] = [x[index]!, index];
            }
          if (at >= 0) gradient[at]! += dy[((image * outHeight + outRow) * outWidth + outColumn) * channels + channel]!;
        }
  return gradient;
}

/** d(sum(dy · maxPool(x)))/dx through tf.grad (tfjs calls the MaxPoolGrad kernel), on the current backend. */
async function poolGradient(poolCase: ConvCase, x: Float32Array, dy: Float32Array): Promise<Float32Array> {
  const { batch, height, width, inChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, pad } = poolCase;
  const { outHeight, outWidth } = geometry(poolCase);
  const images = tf.tensor4d(x, [batch, height, width, inChannels]);
  const weights = tf.tensor4d(dy, [batch, outHeight, outWidth, inChannels]);
  const pool = (input: tf.Tensor) => tf.maxPool(input as tf.Tensor4D, [kernelHeight, kernelWidth], [strideHeight, strideWidth], pad as 'valid' | 'same' | number);
  const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(pool(input), weights)))(images);
  try {
    return (await dx.data()) as Float32Array;
  } finally {
    tf.dispose([images, weights, dx]);
  }
}

test('the wasm max-pool gradient equals the definition written out and the cpu backend, ties included', async () => {
  expect(tf.getKernel(tf.MaxPoolGrad, 'wasm')?.kernelFunc.name).toBe('firstMaximumPoolGradient');
  await fc.assert(
    fc.asyncProperty(poolCases, async (poolCase) => {
      const { outHeight, outWidth } = geometry(poolCase);
      const raw = seededValues(poolCase.batch * poolCase.height * poolCase.width * poolCase.inChannels, poolCase.seed);
      // Ties: values on a coarse grid, so windows often hold their maximum twice.
      const x = poolCase.ties ? raw.map((value) => Math.round(value * 2)) : raw;
      const dy = seededValues(poolCase.batch * outHeight * outWidth * poolCase.inChannels, poolCase.seed + 0.5);
      await useBackend('wasm');
      const onWasm = await poolGradient(poolCase, x, dy);
      await useBackend('cpu');
      const onCpu = await poolGradient(poolCase, x, dy);
      await useBackend('wasm');
      const reference = referencePoolGradient(poolCase, x, dy);
      for (let element = 0; element < reference.length; element++) {
        expect(Math.abs(onWasm[element]! - reference[element]!), 'against the definition').toBeLessThan(1e-5);
        expect(Math.abs(onWasm[element]! - onCpu[element]!), 'against the cpu backend').toBeLessThan(1e-5);
      }
    }),
    { numRuns: 80 },
  );
});

test('the kernel leaves no memory behind', async () => {
  await useBackend('wasm');
  const x = tf.tensor4d(seededValues(2 * 6 * 6 * 3, 4), [2, 6, 6, 3]);
  const bytes = tf.memory().numBytes;
  tf.grad((input: tf.Tensor) => tf.sum(tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid')))(x).dispose();
  expect(tf.memory().numBytes).toBe(bytes);
  x.dispose();
});
