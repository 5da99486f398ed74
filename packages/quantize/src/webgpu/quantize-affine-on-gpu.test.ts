import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WhittleError, float16ArrayToFloat32, hostTensor, unpackBits, type AffineEncoding } from '@whittle/core';
import { quantizeAffine, type QuantizeAffineOptions } from '../primitives/quantize-affine.ts';
import { quantizeAffineBuffer } from './quantize-affine-buffer.ts';
import { quantizeAffineOnGpu } from './quantize-affine-on-gpu.ts';
import { tensorBuffer, webGpuDevice } from './tfjs-webgpu-device.ts';
import { quantizeCases } from './webgpu-test-cases.ts';
import { startDawnWebGpu } from './dawn-backend.ts';

const backend = await startDawnWebGpu();
if (!backend.ready) console.warn(`WebGPU quantize kernel tests skipped: ${backend.reason}`);

function scalesOf(encoding: AffineEncoding): Float32Array {
  const { dtype, data } = encoding.scales;
  return dtype === 'float16' ? float16ArrayToFloat32(data as Uint16Array) : Float32Array.from(data as ArrayLike<number>);
}

/**
 * The GPU encoding equals the host's byte for byte: scales, zero points, layout and every code
 * (both multiply by the same float32 inverse in float32 and round half to even).
 */
function expectSameEncoding(gpu: AffineEncoding, host: AffineEncoding, values: Float32Array): void {
  expect({ ...gpu, codes: undefined }).toEqual({ ...host, codes: undefined });
  const size = values.length;
  expect(Array.from(unpackBits(gpu.codes, size, gpu.bits, gpu.signed))).toEqual(Array.from(unpackBits(host.codes, size, host.bits, host.signed)));
  expect(Array.from(gpu.codes)).toEqual(Array.from(host.codes));
}

/** quantizeAffine's encoding, or the error it throws (which the GPU path must throw too). */
function hostResult(shape: number[], values: Float32Array, options: QuantizeAffineOptions): AffineEncoding | WhittleError {
  try {
    return quantizeAffine(hostTensor('float32', shape, values), options);
  } catch (error) {
    if (error instanceof WhittleError) return error;
    throw error;
  }
}

describe.skipIf(!backend.ready)(`quantizeAffineOnGpu on ${backend.ready ? backend.adapter : 'no adapter'}`, () => {
  it('gives quantizeAffine’s encoding over random shapes, granularities, widths and scale dtypes', async () => {
    await fc.assert(
      fc.asyncProperty(quantizeCases(3000), async ({ shape, values, options }) => {
        const host = hostResult(shape, values, options);
        const tensor = tf.tensor(values, shape, 'float32');
        try {
          if (host instanceof WhittleError) {
            await expect(quantizeAffineOnGpu(tensor, options)).rejects.toMatchObject({ code: host.code, field: host.field });
          } else {
            expectSameEncoding(await quantizeAffineOnGpu(tensor, options), host, values);
          }
        } finally {
          tensor.dispose();
        }
      }),
      { numRuns: 40 }
    );
  });

  it('gives the same encoding when the tensor is split into many dispatch windows', async () => {
    const device = webGpuDevice('test');
    await fc.assert(
      fc.asyncProperty(quantizeCases(9000), fc.constantFrom(2048, 4096), async ({ shape, values, options }, windowElements) => {
        const host = hostResult(shape, values, options);
        const tensor = tf.tensor(values, shape, 'float32');
        const { buffer, release } = await tensorBuffer(device, tensor);
        try {
          if (host instanceof WhittleError) {
            const failure = quantizeAffineBuffer(device, buffer, shape, options, { windowElements });
            await expect(failure).rejects.toMatchObject({ code: host.code, field: host.field });
            return;
          }
          const gpu = await quantizeAffineBuffer(device, buffer, shape, options, { windowElements });
          // The kernels decline (for the host to quantize) only scales beyond 2^±100.
          if (gpu === undefined) expect(scalesOf(host).some((scale) => Math.abs(scale) < 2 ** -100 || Math.abs(scale) > 2 ** 100)).toBe(true);
          else expectSameEncoding(gpu, host, values);
        } finally {
          release();
          tensor.dispose();
        }
      }),
      { numRuns: 25 }
    );
  });

  it('reads each window’s slots from its own part of the tables, for contiguous and strided groups', async () => {
    const device = webGpuDevice('test');
    const values = Float32Array.from({ length: 6400 }, (_, index) => Math.sin(index * 0.7) * (1 + (index % 11)));
    for (const [shape, granularity] of [
      [[64, 100], { kind: 'group', axis: 1, size: 4 }],
      [[100, 64], { kind: 'group', axis: 0, size: 8 }],
    ] as const) {
      const options = { bits: 4, symmetric: false, granularity };
      const tensor = tf.tensor(values, [...shape]);
      const { buffer, release } = await tensorBuffer(device, tensor);
      try {
        const gpu = await quantizeAffineBuffer(device, buffer, [...shape], options, { windowElements: 2048 });
        expectSameEncoding(gpu!, quantizeAffine(hostTensor('float32', [...shape], values), options), values);
      } finally {
        release();
        tensor.dispose();
      }
    }
  });

  it('codes the signed-extreme grid with negative scales, exact half steps going to the even code', async () => {
    // Each group's extreme is +8 or -8, so its scale is -1 or +1 exactly, and every other value is
    // a half step: the codes are round-half-to-even of value / scale, worked out here by hand.
    const groups = [
      [8, 0.5, 1.5, 2.5, -3.5, -0.5, 6.5, -7.5],
      [-8, 0.5, 1.5, 2.5, -3.5, -0.5, 6.5, 7.5],
    ];
    const values = Float32Array.from(groups.flat());
    const options: QuantizeAffineOptions = { bits: 4, granularity: { kind: 'group', axis: 1, size: 8 }, scaleDType: 'float32', grid: 'signed-extreme' };
    const tensor = tf.tensor(values, [2, 8]);
    try {
      const gpu = await quantizeAffineOnGpu(tensor, options);
      expect(Array.from(gpu.scales.data)).toEqual([-1, 1]);
      const evenRound = (quotient: number): number => {
        const below = Math.floor(quotient);
        return quotient - below === 0.5 ? (below % 2 === 0 ? below : below + 1) : Math.round(quotient);
      };
      const expected = groups.flatMap((group, index) => group.map((value) => Math.min(7, Math.max(-8, evenRound(value / (index === 0 ? -1 : 1))))));
      expect(Array.from(unpackBits(gpu.codes, 16, 4, true))).toEqual(expected);
      expect(Array.from(unpackBits(gpu.codes, 16, 4, true))).toEqual(Array.from(unpackBits(quantizeAffine(hostTensor('float32', [2, 8], values), options).codes, 16, 4, true)));
    } finally {
      tensor.dispose();
    }
  });

  it('quantizes a tensor that lives on the GPU (computed there) the same as its host copy', async () => {
    const onGpu = tf.tidy(() => tf.reshape(tf.sin(tf.mul(tf.range(0, 64 * 96, 1, 'float32'), 0.37)), [64, 96]));
    const values = (await onGpu.data()) as Float32Array;
    const options = { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } } as const;
    expectSameEncoding(
      await quantizeAffineOnGpu(onGpu, options),
      quantizeAffine(hostTensor('float32', [64, 96], values), options), values);
    expect(onGpu.isDisposed).toBe(false);
    onGpu.dispose();
  });

  it('rounds exact half steps to even, as round-half-to-even maths does', async () => {
    // Symmetric int4 of a range of ±7.5 has scale 1, so each x.5 is an exact tie.
    const values = new Float32Array([7.5, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5]);
    const encoding = await quantizeAffineOnGpu(tf.tensor(values), { bits: 4, granularity: { kind: 'tensor' } });
    expect(Array.from(unpackBits(encoding.codes, 8, 4, true))).toEqual([7, 0, 2, 2, 0, -2, -2, 4].map((code) => Math.min(code, 7)));
  });

  it('names the first NaN or infinity, in any window, as quantizeAffine does', async () => {
    const device = webGpuDevice('test');
    const values = new Float32Array(10_000).map((_, index) => Math.sin(index));
    values[7_000] = Number.POSITIVE_INFINITY;
    values[5_000] = Number.NaN;
    values[9_000] = Number.NaN;
    const options = { bits: 8, granularity: { kind: 'axis', axis: 0 } } as const;
    const tensor = tf.tensor(values, [100, 100]);
    const { buffer, release } = await tensorBuffer(device, tensor);
    try {
      const failure = await quantizeAffineBuffer(device, buffer, [100, 100], options, { windowElements: 2048 }).catch(
        (error: unknown) => error
      );
      expect(failure).toBeInstanceOf(WhittleError);
      expect(failure).toMatchObject({ code: 'invalid-tensor', field: 'data[5000]' });
    } finally {
      release();
    }
    await expect(quantizeAffineOnGpu(tensor, { bits: 4, granularity: { kind: 'group', axis: 1, size: 32 } })).rejects.toMatchObject({
      code: 'invalid-tensor',
      field: 'data[5000]',
    });
    tensor.dispose();
  });

  it('refuses bad options with quantizeAffine’s errors, and widths it has no kernel for', async () => {
    const tensor = tf.ones([4, 8]);
    const cases: unknown[] = [
      { bits: 9, granularity: { kind: 'tensor' } },
      { bits: 1, symmetric: true, granularity: { kind: 'tensor' } },
      { bits: 4, granularity: { kind: 'axis', axis: 5 } },
      { bits: 4, granularity: { kind: 'group', axis: 0, size: 0 } },
      { bits: 4, granularity: { kind: 'rows' } },
      { bits: 4, granularity: { kind: 'tensor' }, scaleDType: 'float64' },
    ];
    for (const options of cases) {
      let expected: unknown;
      try {
        quantizeAffine(hostTensor('float32', [4, 8], new Float32Array(32).fill(1)), options as QuantizeAffineOptions);
      } catch (error) {
        expected = error;
      }
      expect(expected).toBeInstanceOf(WhittleError);
      const { code, field } = expected as WhittleError;
      await expect(quantizeAffineOnGpu(tensor, options as QuantizeAffineOptions)).rejects.toMatchObject({ code, field });
    }
    await expect(quantizeAffineOnGpu(tensor, { bits: 3, granularity: { kind: 'tensor' } })).rejects.toMatchObject({
      code: 'invalid-argument',
      field: 'bits',
    });
    await expect(quantizeAffineOnGpu(tf.ones([4], 'int32'), { bits: 8, granularity: { kind: 'tensor' } })).rejects.toMatchObject({
      code: 'invalid-tensor',
      field: 'dtype',
    });
    tensor.dispose();
  });

  it('quantizes empty tensors and ranges beyond float32 maths on the host, with the same result', async () => {
    const options = { bits: 8, granularity: { kind: 'axis', axis: 1 } } as const;
    const empty = await quantizeAffineOnGpu(tf.zeros([0, 3]), options);
    expect(empty).toEqual(quantizeAffine(hostTensor('float32', [0, 3], new Float32Array(0)), options));
    // A range of 1e-33 needs a scale below 2^-100, where the GPU's float32 maths could leave the normal range.
    const tiny = new Float32Array([1e-33, -3e-34, 5e-34, 0, 1e-3, 2e-3]);
    const encoding = await quantizeAffineOnGpu(tf.tensor(tiny, [3, 2]), { bits: 8, granularity: { kind: 'axis', axis: 1 } });
    expect(encoding).toEqual(quantizeAffine(hostTensor('float32', [3, 2], tiny), { bits: 8, granularity: { kind: 'axis', axis: 1 } }));
  });
});
