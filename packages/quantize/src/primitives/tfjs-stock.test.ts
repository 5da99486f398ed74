import * as tf from '@tensorflow/tfjs-core';
import { decode, hostTensor, useBackend } from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { elementParams } from './affine-test-helpers.ts';
import { quantizeTfjsStock, tfjsStockQParams, type TfjsStockDType } from './tfjs-stock.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

/** Codes, manifest min and scale, checked by hand (float64, half to even). */
const EXAMPLES: Array<{ name: string; dtype: TfjsStockDType; values: number[]; scale: number; min: number; codes: number[] }> = [
  {
    // scale 2/255; zero falls on code 127.5, rounds to even 128; min = -128 · scale.
    name: 'a range around zero, nudged',
    dtype: 'uint8',
    values: [-1, 0, 0.5, 1, -0.3, 0.7],
    scale: 0.00784313725490196,
    min: -1.003921568627451,
    codes: [0, 128, 192, 255, 90, 217],
  },
  {
    // Zero is the minimum: it stays code 0, exactly.
    name: 'a non-negative range holding zero',
    dtype: 'uint8',
    values: [0, 0.25, 1],
    scale: 0.00392156862745098,
    min: 0,
    codes: [0, 64, 255],
  },
  {
    // 0 is not in [1, 5], so the converter does not nudge; (3 - 1) / scale = 127.5 rounds to 128.
    name: 'an all-positive range',
    dtype: 'uint8',
    values: [1, 2, 3, 5],
    scale: 0.01568627450980392,
    min: 1,
    codes: [0, 64, 128, 255],
  },
  { name: 'an all-negative range', dtype: 'uint8', values: [-4, -1, -2.5], scale: 0.011764705882352941, min: -4, codes: [0, 255, 128] },
  { name: 'a constant tensor: scale 1', dtype: 'uint8', values: [3, 3, 3], scale: 1, min: 3, codes: [0, 0, 0] },
  { name: 'uint16', dtype: 'uint16', values: [-0.5, 0.1, 2], scale: 3.8147554741741054e-5, min: -0.5, codes: [0, 15728, 65535] },
];

describe('stock tfjs uint8 / uint16', () => {
  for (const example of EXAMPLES) {
    it(`matches tfjs-converter on ${example.name}`, () => {
      const encoding = quantizeTfjsStock(hostTensor('float32', [example.values.length], Float32Array.from(example.values)), example.dtype);
      expect(encoding).toMatchObject({ bits: example.dtype === 'uint8' ? 8 : 16, signed: false, granularity: { kind: 'tensor' } });
      expect(encoding.scales).toEqual({ dtype: 'float64', shape: [], data: new Float64Array([example.scale]) });
      expect(encoding.offsets).toEqual({ dtype: 'float64', shape: [], data: new Float64Array([example.min]) });
      expect(encoding.zeroPoints).toBeUndefined();
      expect(Array.from(elementParams(encoding).codes)).toEqual(example.codes);
      const params = tfjsStockQParams(Math.min(...example.values), Math.max(...example.values), example.dtype === 'uint8' ? 8 : 16);
      expect([params.scale, params.min]).toEqual([example.scale, example.min]);
    });
  }

  it('decodes exactly as the stock tfjs weight loader does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.constantFrom<TfjsStockDType>('uint8', 'uint16'),
        (values, dtype) => {
          const encoding = quantizeTfjsStock(hostTensor('float32', [values.length], Float32Array.from(values)), dtype);
          const manifest = { dtype, min: encoding.offsets!.data[0]!, scale: encoding.scales.data[0]! };
          const spec = { name: 'w', shape: [values.length], dtype: 'float32' as const, quantization: manifest };
          const buffer = encoding.codes.slice().buffer;
          const decoded = tf.io.decodeWeights(buffer, [spec]);
          const stock = decoded.w!.dataSync();
          expect(Array.from(decode(encoding).data)).toEqual(Array.from(stock));
          tf.dispose(Object.values(decoded));
          // Zero, where it is in range, decodes to exactly zero.
          if (Math.min(...values) <= 0 && Math.max(...values) >= 0) {
            const zeroCode = Math.round(-manifest.min / manifest.scale);
            expect(zeroCode * manifest.scale + manifest.min).toBe(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps every value within half a step of its code', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 }), (values) => {
        const encoding = quantizeTfjsStock(hostTensor('float32', [values.length], Float32Array.from(values)), 'uint8');
        const decoded = decode(encoding).data;
        const scale = encoding.scales.data[0]!;
        values.forEach((value, index) => expect(Math.abs(decoded[index]! - value)).toBeLessThanOrEqual(scale / 2 + Math.abs(value) * 2 ** -23));
      }),
    );
  });

  it('handles empty and single-element tensors, and rejects NaN, infinities and bad dtypes', () => {
    expect(decode(quantizeTfjsStock(hostTensor('float32', [0]), 'uint8')).data).toHaveLength(0);
    expect(Array.from(decode(quantizeTfjsStock(hostTensor('float32', [1], new Float32Array([-7.25])), 'uint16')).data)).toEqual([-7.25]);
    expect(() => quantizeTfjsStock(hostTensor('float32', [2], new Float32Array([1, Number.NaN])), 'uint8')).toThrow(
      expect.objectContaining({ code: 'invalid-tensor', field: 'data[1]' }),
    );
    expect(() => quantizeTfjsStock(hostTensor('float32', [2], new Float32Array([-Infinity, 1])), 'uint8')).toThrow(
      expect.objectContaining({ field: 'data[0]' }),
    );
    expect(() => quantizeTfjsStock(hostTensor('float32', [1]), 'int8' as never)).toThrow(expect.objectContaining({ field: 'dtype' }));
    expect(() => tfjsStockQParams(2, 1, 8)).toThrow(expect.objectContaining({ code: 'invalid-tensor' }));
  });
});
