/**
 * The `dense` kind: values stored as they are; float16 and bfloat16 widen to float32 on decode.
 */
import { DTYPES, bytesPerElement, isFloatDType, type DType } from '../tensor/dtype.ts';
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
  decode: (encoding) => decodeDense(encoding),
  validate(record, location) {
    return readTensor(record.tensor, DTYPES, undefined, child(location, 'tensor')).shape;
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
 * (sharing the encoding's data, so copy before writing to it). Internal; use `decode`.
 *
 * @example
 * ```ts
 * decodeDense(castDense(tensor, 'bfloat16')).dtype; // 'float32'
 * ```
 */
export function decodeDense(encoding: DenseEncoding): HostTensor {
  return isFloatDType(encoding.tensor.dtype) ? toFloat32(encoding.tensor) : encoding.tensor;
}
