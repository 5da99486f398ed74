import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { beforeAll, expect, test } from 'vitest';
import { DTYPES, allocate } from './dtype.ts';
import { float16BitsToFloat32 } from './half.ts';
import { hostTensor, toFloat32 } from './host-tensor.ts';
import { fromTensor, fromTensorSync, toTensor } from './tfjs-tensor.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

test('float32, int32 and bool round trip through tfjs exactly', async () => {
  await fc.assert(
    fc.asyncProperty(fc.float32Array({ minLength: 1, maxLength: 32 }), async (values) => {
      const host = hostTensor('float32', [values.length], values);
      const back = await fromTensor(toTensor(host));
      expect(back.dtype).toBe('float32');
      expect(back.shape).toEqual([values.length]);
      back.data.forEach((value, index) => expect(Object.is(value, values[index]) || (Number.isNaN(value) && Number.isNaN(values[index]!))).toBe(true));
    }),
    { numRuns: 50 },
  );
  const ints = hostTensor('int32', [2, 2], new Int32Array([1, -2, 3, 2 ** 31 - 1]));
  expect(Array.from(fromTensorSync(toTensor(ints)).data)).toEqual([1, -2, 3, 2 ** 31 - 1]);
  const bools = hostTensor('bool', [3], new Uint8Array([1, 0, 1]));
  const boolBack = fromTensorSync(toTensor(bools));
  expect(boolBack.dtype).toBe('bool');
  expect(Array.from(boolBack.data)).toEqual([1, 0, 1]);
});

test('every dtype converts to a tfjs tensor with the same values', () => {
  for (const dtype of DTYPES) {
    const data = allocate(dtype, 4);
    data.set(dtype === 'bool' ? [1, 0, 1, 1] : dtype === 'float16' ? [0x3c00, 0xc000, 0, 0x3800] : dtype === 'bfloat16' ? [0x3f80, 0xc000, 0, 0x3f00] : [1, 2, 0, 3]);
    const host = hostTensor(dtype, [2, 2], data);
    const tensor = toTensor(host);
    expect(tensor.shape).toEqual([2, 2]);
    expect(Array.from(tensor.dataSync())).toEqual(Array.from(toFloat32(host).data));
    tensor.dispose();
  }
  expect(float16BitsToFloat32(0x3800)).toBe(0.5);
});

test('tfjs dtypes with no host form are rejected with a typed error', () => {
  const complex = tf.complex([1], [2]);
  expect(() => fromTensorSync(complex)).toThrow(/complex64/);
});
