import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { hostTensor, useBackend } from '@whittle/core';
import { createConvInputNormAccumulator, type ConvGeometry } from './conv-input-norms.ts';
import { normalMatrix } from './wanda.test-support.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

/**
 * The oracle: stock tfjs's conv2d of x² with a kernel that copies each (dy, dx, c) of the patch
 * to its own output channel, summed over every output pixel, is Σ of the squares each kernel
 * offset reads, with TensorFlow's own padding, strides and dilation.
 */
async function referenceNorms(inputs: tf.Tensor4D, kernelHeight: number, kernelWidth: number, geometry: ConvGeometry): Promise<Float32Array> {
  const channels = inputs.shape[3];
  const features = kernelHeight * kernelWidth * channels;
  const picker = tf.buffer([kernelHeight, kernelWidth, channels, features]);
  for (let feature = 0; feature < features; feature++) {
    const channel = feature % channels;
    const offset = (feature - channel) / channels;
    picker.set(1, Math.floor(offset / kernelWidth), offset % kernelWidth, channel, feature);
  }
  const sums = tf.tidy(() =>
    tf.sqrt(tf.sum(tf.conv2d(tf.square(inputs), picker.toTensor() as tf.Tensor4D, [...geometry.strides], geometry.padding, 'NHWC', [...geometry.dilations]), [0, 1, 2])),
  );
  const values = (await sums.data()) as Float32Array;
  sums.dispose();
  return values;
}

describe('Conv2D input norms', () => {
  it("equal the norms of the layer's im2col patch features, for any strides, padding and dilation", async () => {
    const geometry = fc.oneof(
      fc.record({ strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })), dilations: fc.constant([1, 1] as [number, number]) }),
      fc.record({ strides: fc.constant([1, 1] as [number, number]), dilations: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          height: fc.integer({ min: 1, max: 8 }),
          width: fc.integer({ min: 1, max: 8 }),
          channels: fc.integer({ min: 1, max: 3 }),
          kernelHeight: fc.integer({ min: 1, max: 3 }),
          kernelWidth: fc.integer({ min: 1, max: 3 }),
          padding: fc.constantFrom('same' as const, 'valid' as const),
          seed: fc.nat(1000),
        }),
        geometry,
        async ({ batch, height, width, channels, kernelHeight, kernelWidth, padding, seed }, { strides, dilations }) => {
          const layout: ConvGeometry = { strides, dilations, padding };
          // A valid convolution needs the dilated kernel to fit in the image.
          fc.pre(padding === 'same' || (height >= (kernelHeight - 1) * dilations[0] + 1 && width >= (kernelWidth - 1) * dilations[1] + 1));
          const data = normalMatrix(batch * height * width, channels, seed).data;
          const inputs = tf.tensor4d(data, [batch, height, width, channels]);
          try {
            const accumulator = createConvInputNormAccumulator([kernelHeight, kernelWidth, channels, 2], layout);
            // Split into two batches where possible: the norms add up across batches.
            if (batch > 1) {
              await accumulator.add(hostTensor('float32', [1, height, width, channels], data.slice(0, height * width * channels)));
              await accumulator.add(hostTensor('float32', [batch - 1, height, width, channels], data.slice(height * width * channels)));
            } else {
              await accumulator.add(inputs);
            }
            const expected = await referenceNorms(inputs, kernelHeight, kernelWidth, layout);
            const norms = accumulator.result();
            expect(norms.length).toBe(expected.length);
            norms.forEach((norm, index) => expect(Math.abs(norm - expected[index]!)).toBeLessThan(1e-4 * Math.max(1, expected[index]!)));
          } finally {
            inputs.dispose();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses batches of the wrong form, and kernels or geometry it cannot use', async () => {
    const layout: ConvGeometry = { strides: [1, 1], dilations: [1, 1], padding: 'same' };
    const accumulator = createConvInputNormAccumulator([3, 3, 2, 4], layout);
    await expect(accumulator.add(hostTensor('float32', [4, 18]))).rejects.toMatchObject({ code: 'invalid-argument', field: 'calibration' });
    await expect(accumulator.add(hostTensor('float32', [1, 5, 5, 3]))).rejects.toMatchObject({ field: 'calibration' });
    await expect(accumulator.add(hostTensor('float32', [1, 1, 1, 2], new Float32Array([1, Number.POSITIVE_INFINITY])))).rejects.toMatchObject({ field: 'calibration' });
    expect(() => accumulator.result()).toThrow(expect.objectContaining({ message: expect.stringContaining('no samples') }));
    expect(() => createConvInputNormAccumulator([3, 3, 2], layout)).toThrow(expect.objectContaining({ field: 'kernelShape' }));
    expect(() => createConvInputNormAccumulator([3, 3, 2, 4], { ...layout, strides: [0, 1] })).toThrow(expect.objectContaining({ field: 'geometry' }));
    expect(() => createConvInputNormAccumulator([3, 3, 2, 4], { ...layout, padding: 'causal' as never })).toThrow(expect.objectContaining({ field: 'geometry' }));
  });
});
