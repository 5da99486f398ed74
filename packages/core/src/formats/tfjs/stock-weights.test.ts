import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { affineEncoding } from '../../encoding/affine.ts';
import { castDense } from '../../encoding/dense.ts';
import { decode } from '../../encoding/decode.ts';
import type { AffineEncoding, Encoding } from '../../encoding/types.ts';
import type { HostTensor } from '../../tensor/host-tensor.ts';
import { tensorBits } from '../../testing/bits.ts';
import { encodingArbitrary } from '../../testing/encoding-arbitraries.ts';
import { parseWeightEntry } from './parse-weight-entry.ts';
import { decodeStockEntry, stockWeight } from './stock-weights.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** What tfjs's stock decoder makes of `bytes` under `spec` (after a JSON round trip, as from a file). */
function tfjsDecode(spec: object, bytes: Uint8Array): HostTensor {
  const json = JSON.parse(JSON.stringify({ name: 'w', ...spec })) as tf.io.WeightsManifestEntry;
  const tensor = tf.io.decodeWeights(bytes.slice().buffer, [json])['w']!;
  const data = tensor.dataSync();
  tensor.dispose();
  return { dtype: tensor.dtype, shape: tensor.shape, data } as HostTensor;
}

function whittleDecode(spec: object, bytes: Uint8Array): HostTensor {
  const json = JSON.parse(JSON.stringify({ name: 'w', ...spec })) as unknown;
  return decode(decodeStockEntry(parseWeightEntry(json, 'model.json', 'weights[0]'), bytes));
}

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e30, max: 1e30 });

describe('stock entries decode bit-identically to tf.io.decodeWeights', () => {
  test('uint8 / uint16 quantization on float32 and int32, over random codes, min and scale', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('uint8', 'uint16'),
        fc.constantFrom('float32', 'int32'),
        fc.integer({ min: 0, max: 40 }),
        finite,
        finite,
        fc.nat(),
        (quantized, dtype, size, min, scale, seed) => {
          const bytes = Uint8Array.from(
            { length: size * (quantized === 'uint8' ? 1 : 2) },
            (_, index) => (seed * 31 + index * 97) & 0xff
          );
          const spec = { shape: [size], dtype, quantization: { dtype: quantized, min, scale } };
          const whittle = whittleDecode(spec, bytes);
          expect(whittle.dtype).toBe(dtype);
          expect(tensorBits(whittle)).toEqual(tensorBits(tfjsDecode(spec, bytes)));
        }
      ),
      { numRuns: 200 }
    );
  });

  test('float16: every one of the 65536 bit patterns, subnormals included (NaN payloads included)', () => {
    const patterns = Uint16Array.from({ length: 65536 }, (_, index) => index);
    const bytes = new Uint8Array(patterns.buffer);
    const spec = { shape: [65536], dtype: 'float32', quantization: { dtype: 'float16' } };
    expect(tensorBits(whittleDecode(spec, bytes))).toEqual(tensorBits(tfjsDecode(spec, bytes)));
  });

  test('plain float32, int32 and bool', () => {
    const floats = Float32Array.of(1.5, -0, Number.NaN, Infinity, 3e-45);
    for (const [dtype, bytes] of [
      ['float32', new Uint8Array(floats.buffer)],
      ['int32', new Uint8Array(Int32Array.of(-7, 2 ** 31 - 1).buffer)],
      ['bool', Uint8Array.of(1, 0, 1)],
    ] as const) {
      const spec = { shape: [bytes.length / (dtype === 'bool' ? 1 : 4)], dtype };
      expect(tensorBits(whittleDecode(spec, bytes))).toEqual(tensorBits(tfjsDecode(spec, bytes)));
    }
  });
});

const scaleTensor = fc.oneof(
  fc
    .float({ noDefaultInfinity: true, noNaN: true })
    .map((value): AffineEncoding['scales'] => ({ dtype: 'float32', shape: [], data: Float32Array.of(value) })),
  fc
    .integer({ min: 0, max: 0xffff })
    .map((bits): AffineEncoding['scales'] => ({ dtype: 'float16', shape: [], data: Uint16Array.of(bits) })),
  fc.double().map((value): AffineEncoding['scales'] => ({ dtype: 'float64', shape: [], data: Float64Array.of(value) }))
);

/** Per-tensor unsigned 8/16-bit affine encodings in both forms, with hostile scales, zero points and offsets. */
const perTensorAffine: fc.Arbitrary<Encoding> = fc
  .record({
    bits: fc.constantFrom(8, 16),
    size: fc.integer({ min: 0, max: 12 }),
    scales: scaleTensor,
    zeroPoint: fc.option(fc.oneof(fc.integer({ min: -3, max: 300 }), fc.integer()), { nil: undefined }),
    offset: fc.option(fc.oneof(fc.double(), fc.constant(-0)), { nil: undefined }),
    seed: fc.nat(),
  })
  .map(({ bits, size, scales, zeroPoint, offset, seed }) =>
    affineEncoding({
      shape: [size],
      bits,
      signed: false,
      granularity: { kind: 'tensor' },
      codes: Uint8Array.from({ length: (size * bits) / 8 }, (_, index) => (seed + index * 89) & 0xff),
      scales,
      ...(zeroPoint !== undefined
        ? { zeroPoints: { dtype: 'int32', shape: [], data: Int32Array.of(zeroPoint) } }
        : offset !== undefined
        ? { offsets: { dtype: 'float64', shape: [], data: Float64Array.of(offset) } }
        : {}),
    })
  );

test('where an encoding has a stock form, tfjs decodes that form to exactly whittle’s values', () => {
  let stockCount = 0;
  fc.assert(
    fc.property(
      fc.oneof(perTensorAffine, encodingArbitrary({ kinds: ['dense', 'affine'], maxDepth: 0 })),
      (encoding) => {
        const stock = stockWeight(encoding);
        if (stock === undefined) return;
        stockCount++;
        const shape = encoding.kind === 'dense' ? encoding.tensor.shape : encoding.shape;
        const spec = {
          shape,
          dtype: stock.dtype,
          ...(stock.quantization === undefined ? {} : { quantization: stock.quantization }),
        };
        expect(tensorBits(tfjsDecode(spec, stock.bytes))).toEqual(tensorBits(decode(encoding)));
        // And whittle reads the stock form back to exactly the values it wrote.
        expect(tensorBits(whittleDecode(spec, stock.bytes))).toEqual(tensorBits(decode(encoding)));
      }
    ),
    { numRuns: 400 }
  );
  expect(stockCount).toBeGreaterThan(40);
});

test('stock forms: which encodings have one', () => {
  const tensor = { dtype: 'float32', shape: [2], data: Float32Array.of(1, 2) } as const;
  expect(stockWeight(castDense(tensor, 'float16'))?.quantization).toEqual({ dtype: 'float16' });
  expect(stockWeight(castDense(tensor, 'bfloat16'))).toBeUndefined();
  const affine = (fields: Partial<AffineEncoding>) =>
    affineEncoding({
      shape: [2],
      bits: 8,
      signed: false,
      granularity: { kind: 'tensor' },
      codes: Uint8Array.of(0, 255),
      scales: { dtype: 'float32', shape: [], data: Float32Array.of(0.5) },
      ...fields,
    });
  expect(
    stockWeight(affine({ zeroPoints: { dtype: 'uint8', shape: [], data: Uint8Array.of(10) } }))?.quantization
  ).toEqual({ dtype: 'uint8', min: -5, scale: 0.5 });
  expect(stockWeight(affine({ signed: true, codes: Uint8Array.of(0, 1) }))).toBeUndefined();
  expect(stockWeight(affine({ scales: { dtype: 'float32', shape: [], data: Float32Array.of(-0.5) } }))).toBeUndefined();
  expect(
    stockWeight(affine({ scales: { dtype: 'float32', shape: [], data: Float32Array.of(Number.NaN) } }))
  ).toBeUndefined();
  expect(
    stockWeight(affine({ offsets: { dtype: 'float64', shape: [], data: Float64Array.of(-0) } }))?.quantization
  ).toEqual({ dtype: 'uint8', min: 0, scale: 0.5 });
});
