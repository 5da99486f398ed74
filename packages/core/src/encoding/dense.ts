/**
 * Dense encodings: values stored as they are, or floats narrowed to float16 / bfloat16.
 */
import { WhittleError } from '../errors.ts';
import { float32ArrayToBfloat16, float32ArrayToFloat16, float32ToFloat16Bits } from '../tensor/half.ts';
import { toFloat32, type HostTensor } from '../tensor/host-tensor.ts';
import { describeValue } from '../tensor/shape.ts';
import type { DenseEncoding } from './types.ts';
import { validateEncoding } from './validate.ts';

/**
 * Wraps a tensor as a dense encoding, checking it. The data is shared, not copied.
 *
 * @example
 * ```ts
 * const encoding = denseEncoding({ dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) });
 * ```
 */
export function denseEncoding(tensor: HostTensor): DenseEncoding {
  const encoding = { kind: 'dense', tensor: { dtype: tensor.dtype, shape: [...tensor.shape], data: tensor.data } };
  return validateEncoding(encoding) as DenseEncoding;
}

/**
 * Stores a tensor's values as float32, float16 or bfloat16, rounding to nearest even. Any dtype
 * is accepted (integers and bools convert through float32); a tensor already of `dtype` is kept.
 *
 * @example
 * ```ts
 * const half = castDense({ dtype: 'float32', shape: [1], data: new Float32Array([0.1]) }, 'float16');
 * half.tensor.data; // Uint16Array [0x2e66]
 * ```
 */
export function castDense(tensor: HostTensor, dtype: 'float32' | 'float16' | 'bfloat16'): DenseEncoding {
  if (dtype !== 'float32' && dtype !== 'float16' && dtype !== 'bfloat16') {
    throw new WhittleError(
      'invalid-argument',
      `dense floats are float32, float16 or bfloat16, got ${describeValue(dtype)}`,
      {
        field: 'dtype',
      }
    );
  }
  if (tensor.dtype === dtype) return denseEncoding(tensor);
  const values = toFloat32(tensor).data;
  const shape = [...tensor.shape];
  switch (dtype) {
    case 'float32':
      return denseEncoding({ dtype, shape, data: values });
    case 'float16':
      return denseEncoding({ dtype, shape, data: toFloat16(values) });
    case 'bfloat16':
      return denseEncoding({ dtype, shape, data: float32ArrayToBfloat16(values) });
  }
}

/** Elements up to which {@link toFloat16} converts one value at a time. */
const SMALL_TENSOR_ELEMENTS = 16;

/**
 * `float32ArrayToFloat16(values)`. A tiny tensor is converted value by value, which gives the
 * same bits (the array path rounds as `float32ToFloat16Bits` does, and hands it every value
 * outside the normal range): the array path's view of the words costs more than a handful of
 * values, and a checkpoint may hold a million tiny tensors.
 */
function toFloat16(values: Float32Array): Uint16Array {
  if (values.length > SMALL_TENSOR_ELEMENTS) return float32ArrayToFloat16(values);
  const bits = new Uint16Array(values.length);
  for (let index = 0; index < values.length; index++) bits[index] = float32ToFloat16Bits(values[index]!);
  return bits;
}
