import * as tf from '@tensorflow/tfjs-core';
import { hostTensor, useBackend, type HostTensor } from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalMatrix } from '../gptq/test-layers.ts';
import type { WindowGeometry } from './kernel-geometry.ts';
import { PATCHES_PER_IMAGE, createKernelHessians, im2colPatches } from './kernel-hessians.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

function randomInput(shape: [number, number, number, number], seed: number): HostTensor<'float32'> {
  return hostTensor('float32', shape, normalMatrix(shape[0] * shape[1] * shape[2], shape[3], seed).data);
}

describe('im2colPatches', () => {
  it('patch · flattened kernel is what stock tfjs conv2d computes, for every padding, stride and dilation', () => {
    fc.assert(
      fc.property(
        fc.record({
          height: fc.integer({ min: 1, max: 9 }),
          width: fc.integer({ min: 1, max: 9 }),
          channels: fc.integer({ min: 1, max: 3 }),
          kernel: fc.integer({ min: 1, max: 3 }),
          stride: fc.integer({ min: 1, max: 3 }),
          dilation: fc.integer({ min: 1, max: 2 }),
          padding: fc.constantFrom('same' as const, 'valid' as const, 'explicit' as const),
          seed: fc.integer({ min: 1, max: 10_000 }),
        }),
        ({ height, width, channels, kernel, stride, dilation, padding, seed }) => {
          // tfjs refuses strides and dilations above 1 together.
          if (stride > 1 && dilation > 1) dilation = 1;
          const explicit = [1, 0, 2, 1] as const;
          const span = dilation * (kernel - 1) + 1;
          if (padding === 'valid' && (height < span || width < span)) return;
          if (padding === 'explicit' && (height + 1 < span || width + 3 < span)) return;
          const input = randomInput([2, height, width, channels], seed);
          const filter = normalMatrix(kernel * kernel * channels, 2, seed + 1).data;
          const window: WindowGeometry = {
            kernel: [kernel, kernel],
            strides: [stride, stride],
            dilations: [dilation, dilation],
            padding: padding === 'explicit' ? { explicit } : padding,
          };
          const patches = im2colPatches(input, window);
          const expected = tf.tidy(() => {
            const tfPadding = padding === 'explicit' ? [[0, 0], [explicit[0], explicit[1]], [explicit[2], explicit[3]], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]] : padding;
            const output = tf.conv2d(tf.tensor4d(input.data, input.shape as [number, number, number, number]), tf.tensor4d(filter, [kernel, kernel, channels, 2]), stride, tfPadding, 'NHWC', dilation);
            return Array.from(output.dataSync());
          });
          // Every position is sampled (far fewer than the cap), in row-major order per image.
          expect(patches.shape[0]! * 2).toBe(expected.length);
          const width2 = patches.shape[1]!;
          for (let row = 0; row < patches.shape[0]!; row++) {
            for (let output = 0; output < 2; output++) {
              let sum = 0;
              for (let k = 0; k < width2; k++) sum += patches.data[row * width2 + k]! * filter[k * 2 + output]!;
              expect(sum).toBeCloseTo(expected[row * 2 + output]!, 4);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('samples at most PATCHES_PER_IMAGE positions of a large feature map, spread over it', () => {
    const input = randomInput([1, 64, 64, 1], 5);
    const patches = im2colPatches(input, { kernel: [1, 1], strides: [1, 1], dilations: [1, 1], padding: 'valid' });
    expect(patches.shape).toEqual([PATCHES_PER_IMAGE, 1]);
    // A 1×1 window's patches are input values: the first from the top rows, the last from the bottom.
    const positions = Array.from(patches.data, (value) => input.data.indexOf(value));
    expect(positions[0]).toBeLessThan(64 * 4);
    expect(positions.at(-1)).toBeGreaterThan(64 * 60);
  });
});

describe('createKernelHessians', () => {
  it('a depthwise kernel gets one Hessian per channel, 2/n · Σ of its taps’ products', async () => {
    const input = randomInput([1, 4, 4, 2], 9);
    const hessians = createKernelHessians({ kind: 'depthwise', kernel: [2, 2], strides: [2, 2], dilations: [1, 1], padding: 'valid' }, [2, 2, 2, 1]);
    await hessians.add(input);
    const [first, second] = hessians.result();
    // Four 2×2 windows; channel c's tap (ky, kx) of window (wy, wx) is input[2wy + ky][2wx + kx][c].
    for (const [channel, hessian] of [first!, second!].entries()) {
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          let sum = 0;
          for (let window = 0; window < 4; window++) {
            const at = (tap: number) => input.data[((2 * Math.floor(window / 2) + Math.floor(tap / 2)) * 4 + 2 * (window % 2) + (tap % 2)) * 2 + channel]!;
            sum += at(i) * at(j);
          }
          expect(hessian.matrix.data[i * 4 + j]).toBeCloseTo((2 / 4) * sum, 5);
        }
      }
    }
  });

  it('gives typed errors for activations of the wrong shape, non-finite activations and no samples', async () => {
    const window = { kernel: [3, 3] as const, strides: [1, 1] as const, dilations: [1, 1] as const, padding: 'same' as const };
    const conv = createKernelHessians({ kind: 'conv2d', ...window }, [3, 3, 2, 4]);
    await expect(conv.add(randomInput([1, 4, 4, 3], 1))).rejects.toMatchObject({ code: 'invalid-argument', field: 'calibration' });
    await expect(conv.add(hostTensor('float32', [4, 2], new Float32Array(8)))).rejects.toMatchObject({ code: 'invalid-argument', field: 'calibration' });
    const broken = randomInput([1, 2, 2, 2], 1);
    broken.data[3] = Number.POSITIVE_INFINITY;
    await expect(conv.add(broken)).rejects.toMatchObject({ code: 'invalid-argument', field: 'calibration' });
    expect(() => conv.result()).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'calibration' }));
    const depthwise = createKernelHessians({ kind: 'depthwise', ...window }, [3, 3, 2, 1]);
    expect(() => depthwise.result()).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'calibration' }));
  });
});
