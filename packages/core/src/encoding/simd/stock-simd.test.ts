import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { tfjsStockQParams } from '../../formats/tfjs/stock-uint8.ts';
import { affineEncoding } from '../affine.ts';
import { decode } from '../decode.ts';
import { createDecodeSimd, defaultDecodeSimd } from './decode-kernel.ts';
import { decodeAffineSimd, splitScale } from './affine-simd.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Stock tfjs's own decoder: the oracle. */
function tfjsDecode(bytes: Uint8Array, size: number, quantized: 'uint8' | 'uint16', min: number, scale: number): Uint32Array {
  const spec = JSON.parse(
    JSON.stringify({ name: 'w', shape: [size], dtype: 'float32', quantization: { dtype: quantized, min, scale } }),
  ) as tf.io.WeightsManifestEntry;
  const tensor = tf.io.decodeWeights(bytes.slice().buffer, [spec])['w']!;
  const data = tensor.dataSync() as Float32Array;
  tensor.dispose();
  return new Uint32Array(data.buffer, data.byteOffset, data.length);
}

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e30, max: 1e30 });
/** Ranges as the converter writes them, and arbitrary doubles. */
const minAndScale = fc.oneof(
  fc
    .tuple(fc.double({ noNaN: true, min: -10, max: 10 }), fc.double({ noNaN: true, min: 1e-3, max: 10 }), fc.constantFrom(8, 16) as fc.Arbitrary<8 | 16>)
    .map(([low, width, bits]) => tfjsStockQParams(low, low + width, bits)),
  fc.record({ min: finite, scale: finite }),
);

describe('stock uint8 / uint16 on the SIMD path', () => {
  test('gives exactly the floats of tfjs io.decodeWeights, on tensors large enough for the kernels', () => {
    const kernel = createDecodeSimd({ chunkElements: 1024, minimumElements: 0 })!;
    fc.assert(
      fc.property(
        fc.constantFrom('uint8', 'uint16') as fc.Arbitrary<'uint8' | 'uint16'>,
        fc.integer({ min: 1, max: 5000 }),
        minAndScale,
        fc.nat(),
        (quantized, size, range, seed) => {
          // A manifest carries min and scale as JSON, which has no -0: both decoders see what a file holds.
          const { min, scale } = JSON.parse(JSON.stringify(range)) as { min: number; scale: number };
          const bits = quantized === 'uint8' ? 8 : 16;
          const bytes = Uint8Array.from({ length: (size * bits) / 8 }, (_, index) => (Math.imul(seed + index, 2654435761) >>> 13) & 0xff);
          const encoding = affineEncoding({
            shape: [size], bits, signed: false, granularity: { kind: 'tensor' }, codes: bytes,
            scales: { dtype: 'float64', shape: [], data: Float64Array.of(scale) },
            offsets: { dtype: 'float64', shape: [], data: Float64Array.of(min) },
          });
          const values = new Float32Array(size);
          expect(decodeAffineSimd(kernel, encoding, values)).toBe(true);
          expect(Array.from(new Uint32Array(values.buffer))).toEqual(Array.from(tfjsDecode(bytes, size, quantized, min, scale)));
        },
      ),
      { numRuns: 150, examples: [['uint8', 1, { min: -0, scale: -0 }, 0]] },
    );
  });

  test('the public decode of a 1M-weight converter tensor, through the default kernel', () => {
    expect(defaultDecodeSimd()).not.toBeNull();
    const size = 1 << 20;
    const bytes = Uint8Array.from({ length: size }, (_, index) => (index * 2654435761) >>> 24);
    const { min, scale } = tfjsStockQParams(-0.731, 0.412, 8);
    const encoding = affineEncoding({
      shape: [1024, 1024], bits: 8, signed: false, granularity: { kind: 'tensor' }, codes: bytes,
      scales: { dtype: 'float64', shape: [], data: Float64Array.of(scale) },
      offsets: { dtype: 'float64', shape: [], data: Float64Array.of(min) },
    });
    const values = decode(encoding, new Float32Array(size)).data as Float32Array;
    const expected = tfjsDecode(bytes, size, 'uint8', min, scale);
    let mismatches = 0;
    const actual = new Uint32Array(values.buffer);
    for (let index = 0; index < size; index++) if (actual[index] !== expected[index]) mismatches++;
    expect(mismatches).toBe(0);
  });

  test('float32 lanes for most converter ranges of uint8 weights, with exactly tfjs’s floats for every code', () => {
    const kernel = createDecodeSimd({ chunkElements: 1024, minimumElements: 0 })!;
    // Every code 0–255, shuffled, sixteen times over.
    const size = 4096;
    const bytes = Uint8Array.from({ length: size }, (_, index) => (index * 167 + (index >> 8)) & 0xff);
    let split = 0;
    const ranges = 400;
    fc.assert(
      // Weights of both signs: the converter nudges the range so that zero is a code.
      fc.property(fc.double({ noNaN: true, min: 1e-4, max: 10 }), fc.double({ noNaN: true, min: 0, max: 1 }), (width, below) => {
        const low = -width * below;
        const { min, scale } = JSON.parse(JSON.stringify(tfjsStockQParams(low, low + width, 8))) as { min: number; scale: number };
        if (splitScale(scale, min, false) !== undefined) split++;
        const encoding = affineEncoding({
          shape: [size], bits: 8, signed: false, granularity: { kind: 'tensor' }, codes: bytes,
          scales: { dtype: 'float64', shape: [], data: Float64Array.of(scale) },
          offsets: { dtype: 'float64', shape: [], data: Float64Array.of(min) },
        });
        const values = new Float32Array(size);
        expect(decodeAffineSimd(kernel, encoding, values)).toBe(true);
        expect(Array.from(new Uint32Array(values.buffer))).toEqual(Array.from(tfjsDecode(bytes, size, 'uint8', min, scale)));
      }),
      { numRuns: ranges },
    );
    // The path is the common one, not a rarity the tests above never reach.
    expect(split).toBeGreaterThan(ranges * 0.9);
  });

  test('signed byte codes with a float64 offset: the split lanes give the float64 definition’s bits', () => {
    const kernel = createDecodeSimd({ chunkElements: 64, minimumElements: 0 })!;
    const codes = Uint8Array.from({ length: 512 }, (_, index) => (index * 89) & 0xff);
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: 1e-6, max: 100 }), fc.integer({ min: -300, max: 300 }), fc.boolean(), (scale, zero, exact) => {
        const offset = exact ? -zero * scale : -zero * scale * (1 + 1e-9);
        const encoding = affineEncoding({
          shape: [512], bits: 8, signed: true, granularity: { kind: 'tensor' }, codes,
          scales: { dtype: 'float64', shape: [], data: Float64Array.of(scale) },
          offsets: { dtype: 'float64', shape: [], data: Float64Array.of(offset) },
        });
        const values = new Float32Array(512);
        expect(decodeAffineSimd(kernel, encoding, values)).toBe(true);
        const signedCodes = new Int8Array(codes.buffer);
        for (let index = 0; index < 512; index++) expect(Object.is(values[index], Math.fround(signedCodes[index]! * scale + offset))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
