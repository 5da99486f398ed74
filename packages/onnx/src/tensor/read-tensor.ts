import { hostTensor, WhittleError, type DType, type HostTensor } from '@whittle/core';
import { TensorProto_DataType as DataType, type TensorProto } from '../proto/onnx_pb.ts';
import { dataTypeName, dtypeFromOnnx, packedByteCount } from './onnx-dtypes.ts';
import { elementCount, tensorShape } from './tensor-shape.ts';

/** Where a tensor lies in its file, for error messages. */
export interface TensorLocation {
  readonly file: string;
  /** The tensor's field (`graph.initializer[3]`). */
  readonly field: string;
}

/**
 * The values of an ONNX tensor whose type whittle has (see `dtypeFromOnnx`), from `raw_data`,
 * from its typed fields (`float_data`, `int32_data`…), or from `external` (the bytes its external
 * data named). The length is checked against dims × type before anything is allocated, so a
 * lying length is a `malformed-file` WhittleError naming the field, never a huge allocation.
 *
 * @example
 * ```ts
 * const tensor = readTensor(proto.graph!.initializer[0]!, { file: 'model.onnx', field: 'graph.initializer[0]' });
 * ```
 */
export function readTensor(tensor: TensorProto, location: TensorLocation, external?: Uint8Array): HostTensor {
  const dtype = dtypeFromOnnx(tensor.dataType);
  if (dtype === undefined) {
    fail(location, 'data_type', `the type ${dataTypeName(tensor.dataType)} has no whittle dtype`);
  }
  const shape = tensorShape(tensor, location.file, `${location.field}.dims`);
  const count = elementCount(shape);
  const bytes = external ?? (tensor.rawData.byteLength > 0 ? tensor.rawData : undefined);
  if (bytes !== undefined) {
    const expected = packedByteCount(tensor.dataType, count)!;
    if (bytes.byteLength !== expected) {
      fail(location, external === undefined ? 'raw_data' : 'external_data', `holds ${bytes.byteLength} bytes; dims [${shape.join(', ')}] of ${dataTypeName(tensor.dataType)} need ${expected}`);
    }
    const data = hostTensor(dtype, shape).data;
    // A copy: raw_data is a view into the file at any byte offset, which typed arrays cannot alias.
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(bytes);
    return hostTensor(dtype, shape, data);
  }
  return hostTensor(dtype, shape, fromTypedField(tensor, dtype, count, location));
}

function fromTypedField(tensor: TensorProto, dtype: DType, count: number, location: TensorLocation): HostTensor['data'] {
  const [values, field] = typedField(tensor, dtype);
  if (values.length !== count) {
    fail(location, field, `holds ${values.length} values; dims [${tensor.dims.join(', ')}] need ${count}`);
  }
  const data = hostTensor(dtype, [count]).data;
  for (let index = 0; index < count; index++) data[index] = values[index]!;
  return data;
}

function typedField(tensor: TensorProto, dtype: DType): [readonly number[], string] {
  switch (dtype) {
    case 'float32':
      return [tensor.floatData, 'float_data'];
    case 'float64':
      return [tensor.doubleData, 'double_data'];
    default:
      // int32_data carries every type narrower than 32 bits too (float16 as its bit pattern).
      return [tensor.int32Data, 'int32_data'];
  }
}

/**
 * True when `tensor` keeps its values in an external file (`data_location = EXTERNAL`).
 *
 * @example
 * ```ts
 * if (isExternal(initializer)) await readExternal(initializer);
 * ```
 */
export function isExternal(tensor: TensorProto): boolean {
  return tensor.dataLocation === 1;
}

function fail(location: TensorLocation, field: string, message: string): never {
  throw new WhittleError('malformed-file', message, { file: location.file, field: `${location.field}.${field}` });
}

export { DataType };
