import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WhittleError } from '../errors.ts';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from '../tensor/half.ts';
import { hostTensorArbitrary } from '../testing/arbitraries.ts';
import { tensorBits } from '../testing/bits.ts';
import { decode } from './decode.ts';
import { castDense, denseEncoding } from './dense.ts';
import { readTensor } from './field-checks.ts';
import { validateEncoding } from './validate.ts';
import { DTYPES } from '../tensor/dtype.ts';

const HALF_FORMATS = [
  { dtype: 'float16', toBits: float32ToFloat16Bits, toFloat: float16BitsToFloat32 },
  { dtype: 'bfloat16', toBits: float32ToBfloat16Bits, toFloat: bfloat16BitsToFloat32 },
] as const;

describe('dense encodings', () => {
  test('float32 decodes bit-exactly', () => {
    fc.assert(
      fc.property(hostTensorArbitrary('float32'), (tensor) => {
        expect(tensorBits(decode(denseEncoding(tensor)))).toEqual(tensorBits(tensor));
        expect(tensorBits(decode(castDense(tensor, 'float32')))).toEqual(tensorBits(tensor));
      })
    );
  });

  test('integer and bool tensors decode as they are', () => {
    for (const dtype of ['int32', 'int16', 'uint16', 'int8', 'uint8', 'bool'] as const) {
      fc.assert(
        fc.property(hostTensorArbitrary(dtype), (tensor) => {
          expect(tensorBits(decode(denseEncoding(tensor)))).toEqual(tensorBits(tensor));
        }),
        { numRuns: 30 }
      );
    }
  });

  for (const { dtype, toBits, toFloat } of HALF_FORMATS) {
    test(`${dtype} cast then decode equals the per-element conversion, and is idempotent`, () => {
      fc.assert(
        fc.property(hostTensorArbitrary('float32'), (tensor) => {
          const encoding = castDense(tensor, dtype);
          expect(encoding.tensor.dtype).toBe(dtype);
          const expectedBits = Array.from(tensor.data, (value) => toBits(value));
          expect(Array.from(encoding.tensor.data)).toEqual(expectedBits);
          const decoded = decode(encoding);
          expect(decoded.dtype).toBe('float32');
          expect(Array.from(decoded.data)).toEqual(expectedBits.map(toFloat));
          // Narrowing an already narrowed value must not move it.
          expect(Array.from(castDense(decoded, dtype).tensor.data)).toEqual(expectedBits);
        })
      );
    });
  }

  test('float16 casts of tiny and larger tensors of any float32 bits (NaN payloads, subnormals) equal the per-element conversion', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 40 }), (words) => {
        const data = new Float32Array(Uint32Array.from(words).buffer);
        const encoding = castDense({ dtype: 'float32', shape: [data.length], data }, 'float16');
        expect(Array.from(encoding.tensor.data)).toEqual(Array.from(data, (value) => float32ToFloat16Bits(value)));
      }),
      { numRuns: 300 }
    );
  });

  test('a 16-bit tensor cast to its own dtype is kept, and to float32 widens exactly', () => {
    fc.assert(
      fc.property(hostTensorArbitrary('float16'), (tensor) => {
        expect(castDense(tensor, 'float16').tensor.data).toBe(tensor.data);
        expect(tensorBits(castDense(tensor, 'float32').tensor)).toEqual(tensorBits(decode(denseEncoding(tensor))));
      }),
      { numRuns: 30 }
    );
  });

  test('rejects malformed tensors and unknown cast targets', () => {
    const bad = { dtype: 'float32', shape: [3], data: new Float32Array(2) } as const;
    expect(() => denseEncoding(bad)).toThrow(
      expect.objectContaining({ code: 'invalid-encoding', field: 'tensor.data' })
    );
    const tensor = { dtype: 'float32', shape: [1], data: new Float32Array(1) } as const;
    expect(() => castDense(tensor, 'int8' as 'float16')).toThrow(WhittleError);
  });

  test('does not mutate its input', () => {
    const data = new Float32Array([0.1, -2, 3e38]);
    castDense({ dtype: 'float32', shape: [3], data }, 'bfloat16');
    expect(Array.from(data)).toEqual([Math.fround(0.1), -2, Math.fround(3e38)]);
  });
});

describe('a dense encoding is checked as the full tensor reader checks it', () => {
  // The quick check of a dense tensor must accept exactly what the full reader accepts, and
  // leave every refusal to it, so the error is the same.
  const NATIVE_TYPES = { float64: Float64Array, float32: Float32Array, float16: Uint16Array, bfloat16: Uint16Array, int32: Int32Array, int16: Int16Array, uint16: Uint16Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array } as const;
  const TYPES = [Float64Array, Float32Array, Uint16Array, Int32Array, Int16Array, Int8Array, Uint8Array, Uint32Array, Array] as const;
  const dimension = fc.oneof({ weight: 8, arbitrary: fc.nat({ max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, Number.NaN, 2 ** 53, 2 ** 31, '2', null) });
  const tensorLike = fc
    .record({
      dtype: fc.constantFrom('float32', 'float16', 'bfloat16', 'int8', 'uint8', 'bool', 'int16', 'uint16', 'int32', 'float64', 'F32', undefined),
      shape: fc.oneof({ weight: 8, arbitrary: fc.array(dimension, { maxLength: 4 }) }, { weight: 1, arbitrary: fc.constantFrom('2', Array.from({ length: 65 }, () => 1)) }),
      type: fc.nat({ max: TYPES.length - 1 }),
      // Most cases give the data as many elements as the shape, so acceptance is common.
      fitting: fc.nat({ max: 3 }),
      length: fc.nat({ max: 40 }),
      bytes: fc.uint8Array({ minLength: 256, maxLength: 256 }),
    })
    .map(({ dtype, shape, type, fitting, length, bytes }) => {
      const Type = fitting > 0 && typeof dtype === 'string' && Object.hasOwn(NATIVE_TYPES, dtype) ? NATIVE_TYPES[dtype as keyof typeof NATIVE_TYPES] : TYPES[type]!;
      const size = Array.isArray(shape) ? (shape as unknown[]).reduce<number>((product, each) => product * (typeof each === 'number' ? each : 1), 1) : length;
      const count = fitting > 0 && Number.isSafeInteger(size) && size >= 0 && size <= 256 ? size : length;
      // Bool tensors hold 0 and 1, and now and then a 2.
      const data = Type === Array ? Array.from(bytes.subarray(0, count)) : new Type(count).map((_, index) => (bytes[index]! < 16 ? 2 : bytes[index]! % 2));
      return { dtype, shape, data };
    });
  const verdict = (run: () => unknown): string => {
    try {
      run();
      return 'accepted';
    } catch (error) {
      if (!(error instanceof WhittleError)) throw error;
      return `${error.code} ${error.field} ${error.detail}`;
    }
  };
  test('accepts and refuses what readTensor does, with its error', () => {
    fc.assert(
      fc.property(tensorLike, (tensor) => {
        const reference = verdict(() => readTensor(tensor, DTYPES, undefined, { field: 'tensor' }));
        expect(verdict(() => validateEncoding({ kind: 'dense', tensor }))).toBe(reference);
      }),
      { numRuns: 2000 },
    );
  });
});
