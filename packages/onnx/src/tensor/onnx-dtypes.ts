/**
 * ONNX element types and whittle's dtypes: which initializers become params, and how many bytes
 * an ONNX tensor's raw data must hold.
 */
import type { DType } from '@whittle/core';
import { TensorProto_DataType as DataType } from '../proto/onnx_pb.ts';

const FROM_ONNX: ReadonlyMap<number, DType> = new Map<number, DType>([
  [DataType.FLOAT, 'float32'],
  [DataType.DOUBLE, 'float64'],
  [DataType.FLOAT16, 'float16'],
  [DataType.BFLOAT16, 'bfloat16'],
  [DataType.INT32, 'int32'],
  [DataType.INT16, 'int16'],
  [DataType.UINT16, 'uint16'],
  [DataType.INT8, 'int8'],
  [DataType.UINT8, 'uint8'],
]);

const TO_ONNX: ReadonlyMap<DType, DataType> = new Map([...[...FROM_ONNX].map(([onnx, dtype]) => [dtype, onnx as DataType] as const), ['bool', DataType.BOOL]]);

/** Bits per element of every fixed-width ONNX type (strings have none). */
const BITS: ReadonlyMap<number, number> = new Map([
  [DataType.FLOAT, 32],
  [DataType.UINT8, 8],
  [DataType.INT8, 8],
  [DataType.UINT16, 16],
  [DataType.INT16, 16],
  [DataType.INT32, 32],
  [DataType.INT64, 64],
  [DataType.BOOL, 8],
  [DataType.FLOAT16, 16],
  [DataType.DOUBLE, 64],
  [DataType.UINT32, 32],
  [DataType.UINT64, 64],
  [DataType.COMPLEX64, 64],
  [DataType.COMPLEX128, 128],
  [DataType.BFLOAT16, 16],
  [DataType.FLOAT8E4M3FN, 8],
  [DataType.FLOAT8E4M3FNUZ, 8],
  [DataType.FLOAT8E5M2, 8],
  [DataType.FLOAT8E5M2FNUZ, 8],
  [DataType.UINT4, 4],
  [DataType.INT4, 4],
  [DataType.FLOAT4E2M1, 4],
  [DataType.FLOAT8E8M0, 8],
  [DataType.UINT2, 2],
  [DataType.INT2, 2],
]);

/**
 * The whittle dtype of an ONNX element type, or undefined where whittle has none (int64, int4,
 * strings…) or keeps no dense param of it (bool): such initializers stay in the topology as they are.
 *
 * @example
 * ```ts
 * dtypeFromOnnx(TensorProto_DataType.FLOAT16); // 'float16'
 * dtypeFromOnnx(TensorProto_DataType.INT64); // undefined
 * ```
 */
export function dtypeFromOnnx(dataType: number): DType | undefined {
  return FROM_ONNX.get(dataType);
}

/**
 * The ONNX element type of a whittle dtype.
 *
 * @example
 * ```ts
 * onnxDataType('float32'); // TensorProto_DataType.FLOAT (1)
 * ```
 */
export function onnxDataType(dtype: DType): DataType {
  return TO_ONNX.get(dtype)!;
}

/**
 * Bytes that `count` elements of an ONNX type take packed (sub-byte types round up), or
 * undefined for a type without a fixed width (strings, unknown numbers).
 *
 * @example
 * ```ts
 * packedByteCount(TensorProto_DataType.INT4, 5); // 3
 * ```
 */
export function packedByteCount(dataType: number, count: number): number | undefined {
  const bits = BITS.get(dataType);
  if (bits === undefined) return undefined;
  return bits >= 8 ? count * (bits / 8) : Math.ceil((count * bits) / 8);
}

/**
 * The name of an ONNX element type (`FLOAT16`), or `type N` for a number the schema lacks.
 *
 * @example
 * ```ts
 * dataTypeName(10); // 'FLOAT16'
 * ```
 */
export function dataTypeName(dataType: number): string {
  return DataType[dataType] ?? `type ${dataType}`;
}
