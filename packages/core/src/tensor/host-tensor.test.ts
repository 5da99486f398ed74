import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WhittleError } from '../errors.ts';
import { allocate, DTYPES } from './dtype.ts';
import { hostTensor, toFloat32, validateHostTensor } from './host-tensor.ts';
import { MAX_ELEMENTS, normalizeAxis, shapeSize, stridesOf } from './shape.ts';

describe('shapeSize', () => {
  test('is the product of the dimensions', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 16 }), { maxLength: 5 }), (shape) => {
        expect(shapeSize(shape)).toBe(shape.reduce((product, dimension) => product * dimension, 1));
      }),
    );
  });

  test('rejects negative, fractional, non-numeric and overflowing shapes with a typed error', () => {
    for (const shape of [[-1], [1.5], ['3'], [Number.NaN], [Infinity], [2 ** 20, 2 ** 20, 2 ** 20], 'abc', null, [2 ** 53]]) {
      expect(() => shapeSize(shape)).toThrow(WhittleError);
    }
    expect(() => shapeSize([MAX_ELEMENTS, 2])).toThrow(/more than/);
  });

  test('strides are row-major', () => {
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
    expect(normalizeAxis(-1, 3)).toBe(2);
    expect(() => normalizeAxis(3, 3)).toThrow(WhittleError);
  });
});

describe('HostTensor', () => {
  test('hostTensor allocates zeros of the right typed array for every dtype', () => {
    for (const dtype of DTYPES) {
      const tensor = hostTensor(dtype, [2, 3]);
      expect(tensor.data.length).toBe(6);
      expect(tensor.data).toBeInstanceOf(allocate(dtype, 0).constructor);
    }
  });

  test('a length that disagrees with the shape names the field', () => {
    expect(() => hostTensor('float32', [2, 2], new Float32Array(3))).toThrow(/data: shape \[2, 2\] needs 4 elements/);
    expect(() => validateHostTensor({ dtype: 'int8', shape: [1], data: new Uint8Array(1) }, { field: 'weights[0]' })).toThrow(
      /weights\[0\]\.data/,
    );
    expect(() => validateHostTensor({ dtype: 'complex64', shape: [1], data: new Float64Array(1) })).toThrow(/unknown dtype/);
  });

  test('validation of arbitrary input throws only WhittleError', () => {
    fc.assert(
      fc.property(
        fc.anything({ withTypedArray: true }),
        fc.record({ dtype: fc.oneof(fc.constantFrom(...DTYPES), fc.string()), shape: fc.anything(), data: fc.anything({ withTypedArray: true }) }),
        (value, record) => {
          for (const input of [value, record]) {
            try {
              validateHostTensor(input);
            } catch (error) {
              expect(error).toBeInstanceOf(WhittleError);
              expect((error as Error).message.length).toBeGreaterThan(0);
            }
          }
        },
      ),
    );
  });

  test('toFloat32 widens exactly and never mutates its input', () => {
    const int8 = hostTensor('int8', [3], new Int8Array([-128, 0, 127]));
    expect(Array.from(toFloat32(int8).data)).toEqual([-128, 0, 127]);
    const half = hostTensor('float16', [2], new Uint16Array([0x3c00, 0xc000]));
    expect(Array.from(toFloat32(half).data)).toEqual([1, -2]);
    const bfloat = hostTensor('bfloat16', [1], new Uint16Array([0x3f80]));
    expect(Array.from(toFloat32(bfloat).data)).toEqual([1]);
    const float = hostTensor('float32', [1], new Float32Array([5]));
    expect(toFloat32(float)).toBe(float);
  });
});
