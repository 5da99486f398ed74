import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { affineFromCodes, decode, float32ArrayToFloat16, hostTensor, scalesShape, type AffineEncoding } from '@whittle/core';
import { quantizeAffine } from '../primitives/quantize-affine.ts';
import { dequantizeAffineBuffer } from './dequantize-affine-buffer.ts';
import { dequantizeOnGpu } from './dequantize-on-gpu.ts';
import { readBuffer } from './gpu-dispatch.ts';
import { webGpuDevice } from './tfjs-webgpu-device.ts';
import { quantizeCases } from './webgpu-test-cases.ts';
import { startDawnWebGpu } from './dawn-backend.ts';

const backend = await startDawnWebGpu();
if (!backend.ready) console.warn(`WebGPU dequantize kernel tests skipped: ${backend.reason}`);

/** Float32 bit patterns, so 0 and -0 (and any NaN) count as different values. */
function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** Any codes, scales (normal float32 or float16) and zero points of the GPU's widths. */
const encodings: fc.Arbitrary<AffineEncoding> = quantizeCases(3000).chain(({ shape, options }) => {
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  const { bits, symmetric = true } = options;
  const granularity = options.granularity;
  const parametersShape = scalesShape(shape, granularity.kind === 'tensor' ? granularity : { ...granularity });
  const slots = parametersShape.reduce((product, dimension) => product * dimension, 1);
  const low = symmetric ? -(2 ** (bits - 1)) : 0;
  const high = symmetric ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const scale = fc.float({ min: 2 ** -60, max: 2 ** 60, noNaN: true, noDefaultInfinity: true });
  return fc
    .record({
      codes: fc.array(fc.integer({ min: low, max: high }), { minLength: size, maxLength: size }),
      scales: fc.array(scale, { minLength: slots, maxLength: slots }),
      half: fc.boolean(),
      zeroPoints: fc.array(fc.integer({ min: 0, max: high }), { minLength: slots, maxLength: slots }),
    })
    .map(({ codes, scales, half, zeroPoints }) =>
      affineFromCodes({
        shape,
        bits,
        signed: symmetric,
        granularity,
        codes,
        // Float16 scales are the float32 ones rounded to halves (subnormal halves included).
        scales: half
          ? { dtype: 'float16', shape: parametersShape, data: float32ArrayToFloat16(Float32Array.from(scales, (value) => Math.min(value, 60000))) }
          : { dtype: 'float32', shape: parametersShape, data: Float32Array.from(scales) },
        ...(symmetric ? {} : { zeroPoints: { dtype: 'uint8', shape: parametersShape, data: Uint8Array.from(zeroPoints) } }),
      }),
    );
});

describe.skipIf(!backend.ready)(`dequantizeOnGpu on ${backend.ready ? backend.adapter : 'no adapter'}`, () => {
  it('gives core’s decode bit for bit, for any codes, scales and zero points', async () => {
    await fc.assert(
      fc.asyncProperty(encodings, async (encoding) => {
        const tensor = await dequantizeOnGpu(encoding);
        try {
          expect(tensor.shape).toEqual(encoding.shape);
          const values = (await tensor.data()) as Float32Array;
          expect(bitsOf(values)).toEqual(bitsOf(decode(encoding).data as Float32Array));
        } finally {
          tensor.dispose();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('gives the same values when split into many dispatch windows', async () => {
    const device = webGpuDevice('test');
    await fc.assert(
      fc.asyncProperty(quantizeCases(9000), fc.constantFrom(2048, 4096), async ({ shape, values, options }, windowElements) => {
        // Float16 scales of the widest values overflow; such tensors have no encoding to decode.
        const encoding = quantizeAffine(hostTensor('float32', shape, values), { ...options, scaleDType: 'float32' });
        const buffer = await dequantizeAffineBuffer(device, encoding, { windowElements });
        try {
          const restored = new Float32Array(await readBuffer(device, buffer, values.length * 4));
          expect(bitsOf(restored)).toEqual(bitsOf(decode(encoding).data as Float32Array));
        } finally {
          buffer.destroy();
        }
      }),
      { numRuns: 25 },
    );
  });

  it('reads each window’s scales from its own slots, for contiguous and strided groups', async () => {
    const device = webGpuDevice('test');
    const values = Float32Array.from({ length: 6400 }, (_, index) => Math.sin(index * 0.7) * (1 + (index % 11)));
    for (const [shape, granularity] of [
      [[64, 100], { kind: 'group', axis: 1, size: 4 }],
      [[100, 64], { kind: 'group', axis: 0, size: 8 }],
    ] as const) {
      const encoding = quantizeAffine(hostTensor('float32', [...shape], values), { bits: 4, granularity });
      const buffer = await dequantizeAffineBuffer(device, encoding, { windowElements: 2048 });
      try {
        const restored = new Float32Array(await readBuffer(device, buffer, values.length * 4));
        expect(bitsOf(restored)).toEqual(bitsOf(decode(encoding).data as Float32Array));
      } finally {
        buffer.destroy();
      }
    }
  });

  it('feeds tfjs ops on the GPU like any tensor', async () => {
    const encoding = quantizeAffine(hostTensor('float32', [3, 4], new Float32Array([1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12])), {
      bits: 8,
      granularity: { kind: 'axis', axis: 1 },
    });
    const weights = await dequantizeOnGpu(encoding);
    const product = tf.matMul(tf.ones([1, 3]), weights);
    const expected = decode(encoding).data as Float32Array;
    // The column sums in float64; the GPU sums three float32 terms in float32, in an order (and with
    // fused multiply-adds) of its own: within two roundings of the magnitudes summed.
    const columns = [0, 1, 2, 3].map((column) => [expected[column]!, expected[4 + column]!, expected[8 + column]!]);
    const actual = Array.from(await product.data());
    columns.forEach((terms, column) => {
      const sum = terms.reduce((total, term) => total + term, 0);
      const magnitude = terms.reduce((total, term) => total + Math.abs(term), 0);
      expect(Math.abs(actual[column]! - sum)).toBeLessThanOrEqual(2 * 2 ** -24 * magnitude);
    });
    tf.dispose([weights, product]);
  });

  it('refuses encodings it cannot decode exactly, and malformed ones, with typed errors', async () => {
    const base = quantizeAffine(hostTensor('float32', [4, 6], new Float32Array(24).fill(0.5)), { bits: 4, granularity: { kind: 'tensor' } });
    await expect(dequantizeOnGpu({ ...base, scales: { dtype: 'float64', shape: [], data: new Float64Array([0.1]) } })).rejects.toMatchObject({
      code: 'invalid-argument',
      field: 'encoding',
    });
    await expect(dequantizeOnGpu({ ...base, bits: 3, codes: new Uint8Array(9) })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(dequantizeOnGpu({ ...base, codes: base.codes.subarray(0, 3) })).rejects.toMatchObject({ code: 'invalid-encoding' });
    await expect(dequantizeOnGpu({ kind: 'codebook' } as unknown as AffineEncoding)).rejects.toMatchObject({
      code: 'invalid-encoding',
      field: 'kind',
    });
    await expect(dequantizeOnGpu(null as unknown as AffineEncoding)).rejects.toMatchObject({ code: 'invalid-encoding' });
  });

  it('decodes an empty tensor to an empty tensor', async () => {
    const encoding = quantizeAffine(hostTensor('float32', [0, 5], new Float32Array(0)), { bits: 8, granularity: { kind: 'axis', axis: 1 } });
    const tensor = await dequantizeOnGpu(encoding);
    expect(tensor.shape).toEqual([0, 5]);
    tensor.dispose();
  });
});
