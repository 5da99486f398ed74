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
