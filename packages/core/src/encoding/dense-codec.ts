/**
 * The `dense` kind: values stored as they are; float16 and bfloat16 widen to float32 on decode.
 */
import { DTYPES, bytesPerElement, isDType, isFloatDType, matchesDType, type DType } from '../tensor/dtype.ts';
import { MAX_EXTENT, MAX_RANK } from '../tensor/shape-limits.ts';
import { bfloat16ArrayToFloat32, float16ArrayToFloat32 } from '../tensor/half.ts';
import { toFloat32, type HostTensor } from '../tensor/host-tensor.ts';
import { shapeSize, shapesEqual } from '../tensor/shape.ts';
import { fieldText, fieldsOf } from './describe-fields.ts';
import type { EncodingCodec } from './encoding-codec.ts';
import { child, fail, readShape, readTensor } from './field-checks.ts';
import type { DenseMetadata } from './metadata.ts';
import type { DenseEncoding } from './types.ts';

/** The codec of {@link DenseEncoding}. */
export const denseCodec: EncodingCodec<DenseEncoding, DenseMetadata> = {
  kind: 'dense',
  shape: (encoding) => encoding.tensor.shape,
  byteLength: (encoding) => encoding.tensor.data.byteLength,
  decode: (encoding, _nested, destination) => decodeDense(encoding, destination),
  validate(record, location) {
    const { tensor } = record;
    // The checks below, made with no location objects: a checkpoint may hold a million tiny
    // params. Anything they do not accept goes through the full reader, which says what is wrong.
    if (isPlainDenseTensor(tensor)) return (tensor as HostTensor).shape;
    return readTensor(tensor, DTYPES, undefined, child(location, 'tensor')).shape;
  },
  parts: (encoding, writer) => ({ kind: 'dense', shape: [...encoding.tensor.shape], tensor: writer.tensor('tensor', encoding.tensor) }),
  readParts(record, reader) {
    const tensor = reader.tensor(record.tensor, 'tensor', DTYPES);
    const at = child(reader.location, 'shape');
    const { shape } = readShape(record.shape, at);
    if (!shapesEqual(shape, tensor.shape)) fail('shape differs from the tensor reference shape', at);
    return { kind: 'dense', tensor };
  },
  describe: (fields) => `dense ${fieldText(fieldsOf(fields.tensor).dtype)}`,
};

/**
 * True when `value` is a tensor `readTensor` accepts for a dense encoding, bool tensors aside
 * (their bytes are checked there): a record of a dtype, a shape within the limits and data of the
 * dtype's own typed array with as many elements as the shape. Fields are read in `readTensor`'s order.
 */
function isPlainDenseTensor(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  const { dtype, shape, data } = value as Record<string, unknown>;
  if (!isDType(dtype) || dtype === 'bool') return false;
  const size = shapeSizeWithinLimits(shape);
  return size >= 0 && ArrayBuffer.isView(data) && matchesDType(dtype, data) && (data as unknown as ArrayLike<number>).length === size;
}

/** The element count of `shape` when `shapeSize` accepts it, else -1 (and `shapeSize` says why). */
function shapeSizeWithinLimits(shape: unknown): number {
  if (!Array.isArray(shape) || shape.length > MAX_RANK) return -1;
  let extent = 1;
  let empty = false;
  for (let axis = 0; axis < shape.length; axis++) {
    const dimension: unknown = shape[axis];
    if (typeof dimension !== 'number' || !Number.isSafeInteger(dimension) || dimension < 0) return -1;
    if (dimension === 0) empty = true;
    else extent *= dimension;
    if (extent > MAX_EXTENT) return -1;
  }
  return empty ? 0 : extent;
}

/**
 * Storage bytes of a dense tensor of `dtype` and `shape`, without building it.
 *
 * @example
 * ```ts
 * denseByteLength('float16', [768, 3072]); // 4718592
 * ```
 */
export function denseByteLength(dtype: DType, shape: readonly number[]): number {
  return shapeSize(shape) * bytesPerElement(dtype);
}

/**
 * The values of a dense encoding: 16-bit floats widened to float32, anything else as stored
 * (sharing the encoding's data, so copy before writing to it). With `destination` (a checked
 * Float32Array of the element count) every dtype is written there as float32. Internal; use `decode`.
 *
 * @example
 * ```ts
 * decodeDense(castDense(tensor, 'bfloat16')).dtype; // 'float32'
 * ```
 */
export function decodeDense(encoding: DenseEncoding, destination?: Float32Array): HostTensor {
  const { tensor } = encoding;
  if (destination === undefined) return isFloatDType(tensor.dtype) ? toFloat32(tensor) : tensor;
  const shape = [...tensor.shape];
  if (tensor.dtype === 'float16') return { dtype: 'float32', shape, data: float16ArrayToFloat32(tensor.data as Uint16Array, destination) };
  if (tensor.dtype === 'bfloat16') return { dtype: 'float32', shape, data: bfloat16ArrayToFloat32(tensor.data as Uint16Array, destination) };
  // TypedArray#set converts each element to float32 and copies safely even when the arrays share bytes.
  destination.set(tensor.data as ArrayLike<number>);
  return { dtype: 'float32', shape, data: destination };
}
