import * as tf from '@tensorflow/tfjs-core';
import { hostTensor, useBackend, type HostTensor } from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalMatrix } from '../gptq/test-layers.ts';
import { meanOutputShift } from './bias-correction.ts';
import { createLayerInputMeans } from './layer-input-means.ts';
import { denseMatrices, depthwiseMatrices } from './kernel-matrices.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

/** A kernel moved by up to half a step of a 256-level grid over its range, as rounding moves it. */
function perturbed(kernel: HostTensor<'float32'>, seed: number): Float32Array {
  const noise = normalMatrix(1, kernel.data.length, seed).data;
  const range = Math.max(...kernel.data) - Math.min(...kernel.data);
  return Float32Array.from(kernel.data, (value, index) => value + (Math.max(-1, Math.min(1, noise[index]!)) * range) / 512);
}

/** Mean over all but the last axis: the mean output per channel. */
function channelMeans(values: Float32Array, channels: number): Float64Array {
  const sums = new Float64Array(channels);
  for (let index = 0; index < values.length; index++) sums[index % channels]! += values[index]!;
  return sums.map((sum) => sum / (values.length / channels));
}

function expectShiftCancelled(before: Float32Array, after: Float32Array, shift: Float64Array): void {
  const channels = shift.length;
  const [floatMeans, quantizedMeans] = [channelMeans(before, channels), channelMeans(after, channels)];
  const scale = Math.max(1e-3, ...floatMeans.map(Math.abs));
  for (let channel = 0; channel < channels; channel++) expect(Math.abs(quantizedMeans[channel]! - shift[channel]! - floatMeans[channel]!)).toBeLessThan(1e-4 * scale);
}

describe('meanOutputShift: the corrected bias leaves the mean output unmoved', () => {
  it('on random Dense layers, against plain matrix products (inputs the quantized model moved too)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 10_000 }), (inputs, outputs, samples, seed) => {
        const kernel = normalMatrix(inputs, outputs, seed);
        const decoded = perturbed(kernel, seed + 1);
        const x = normalMatrix(samples, inputs, seed + 2).data;
        // The quantized model feeds the layer shifted, noisier inputs.
        const noise = normalMatrix(samples, inputs, seed + 3, 0.05).data;
        const xq = Float32Array.from(x, (value, index) => value + noise[index]! + 0.1);
        const product = (rows: Float32Array, weights: ArrayLike<number>) => {
          const result = new Float32Array(samples * outputs);
          for (let row = 0; row < samples; row++) {
            for (let output = 0; output < outputs; output++) {
              let sum = 0;
              for (let input = 0; input < inputs; input++) sum += rows[row * inputs + input]! * weights[input * outputs + output]!;
              result[row * outputs + output] = sum;
            }
          }
          return result;
        };
        const mean = (rows: Float32Array) => Float64Array.from({ length: inputs }, (_, input) => rows.filter((_, index) => index % inputs === input).reduce((sum, value) => sum + value, 0) / samples);
        const shift = meanOutputShift({ kernel: kernel.data, decoded, matrices: denseMatrices([inputs, outputs]), depthwise: false, floatMeans: mean(x), quantizedMeans: mean(xq) });
        expectShiftCancelled(product(x, kernel.data), product(xq, decoded), shift);
      }),
      { numRuns: 60 },
    );
  });

  it('on random Conv2D and depthwise layers, against stock tfjs convolutions, with means from the layer inputs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          size: fc.integer({ min: 2, max: 7 }),
          channels: fc.integer({ min: 1, max: 3 }),
          filters: fc.integer({ min: 1, max: 4 }),
          kernel: fc.integer({ min: 1, max: 3 }),
          stride: fc.integer({ min: 1, max: 2 }),
          padding: fc.constantFrom('same' as const, 'valid' as const),
          depthwise: fc.boolean(),
          seed: fc.integer({ min: 1, max: 10_000 }),
        }),
        async ({ size, channels, filters, kernel: side, stride, padding, depthwise, seed }) => {
          fc.pre(padding === 'same' || side <= size);
          const shape = [side, side, channels, depthwise ? Math.min(filters, 2) : filters];
          const kernel = hostTensor('float32', shape, normalMatrix(1, shape.reduce((a, b) => a * b, 1), seed).data);
          const decoded = perturbed(kernel, seed + 1);
          const input = normalMatrix(2 * size * size, channels, seed + 2).data;
          const moved = Float32Array.from(input, (value, index) => value * 0.97 + 0.02 * ((index % 3) - 1));
          const geometry = { kind: depthwise ? ('depthwise' as const) : ('conv2d' as const), kernel: [side, side] as const, strides: [stride, stride] as const, dilations: [1, 1] as const, padding };
          const meansOf = async (data: Float32Array) => {
            const means = createLayerInputMeans(geometry, shape);
            await means.add(hostTensor('float32', [2, size, size, channels], data));
            return means.result();
          };
          const run = (data: Float32Array, weights: Float32Array) =>
            tf.tidy(() => {
              const x = tf.tensor4d(data, [2, size, size, channels]);
              const w = tf.tensor4d(weights, shape as [number, number, number, number]);
              return Float32Array.from((depthwise ? tf.depthwiseConv2d(x, w, stride, padding) : tf.conv2d(x, w, stride, padding)).dataSync());
            });
          const matrices = depthwise ? depthwiseMatrices(shape) : denseMatrices(shape);
          const shift = meanOutputShift({ kernel: kernel.data, decoded, matrices, depthwise, floatMeans: await meansOf(input), quantizedMeans: await meansOf(moved) });
          expectShiftCancelled(run(input, kernel.data), run(moved, decoded), shift);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('rejects means that do not fit the kernel', () => {
    const kernel = normalMatrix(3, 2, 1).data;
    expect(() => meanOutputShift({ kernel, decoded: kernel, matrices: denseMatrices([3, 2]), depthwise: false, floatMeans: [0, 0], quantizedMeans: [0, 0, 0] })).toThrow(
      expect.objectContaining({ code: 'invalid-argument', field: 'means' }),
    );
  });
});
