/**
 * safetensors dtypes and how they map to whittle's {@link DType}. The header parser knows every
 * dtype of the format (so any valid file can be inspected, and its byte lengths checked); only
 * the ones with a whittle dtype can be read into tensors.
 */
import type { DType } from '../../tensor/dtype.ts';

/** Every dtype the safetensors format defines, as written in headers. */
export type SafetensorsDType =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'F8_E5M2'
  | 'F8_E4M3'
  | 'F8_E8M0'
  | 'F4'
  | 'F6_E2M3'
  | 'F6_E3M2'
  | 'I16'
  | 'U16'
  | 'F16'
  | 'BF16'
  | 'I32'
  | 'U32'
  | 'F32'
  | 'C64'
  | 'F64'
  | 'I64'
  | 'U64';

// Bits rather than bytes: F4 and F6 pack below a byte.
const BITS: Record<SafetensorsDType, number> = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

const TO_WHITTLE: Partial<Record<SafetensorsDType, DType>> = {
  BOOL: 'bool',
  U8: 'uint8',
  I8: 'int8',
  I16: 'int16',
  U16: 'uint16',
  F16: 'float16',
  BF16: 'bfloat16',
  I32: 'int32',
  F32: 'float32',
  F64: 'float64',
};

const FROM_WHITTLE: Record<DType, SafetensorsDType> = {
  bool: 'BOOL',
  uint8: 'U8',
  int8: 'I8',
  int16: 'I16',
  uint16: 'U16',
  float16: 'F16',
  bfloat16: 'BF16',
  int32: 'I32',
  float32: 'F32',
  float64: 'F64',
};

/**
 * True when `value` is a dtype the safetensors format defines.
 *
 * @example
 * ```ts
 * isSafetensorsDType('F8_E4M3'); // true
 * isSafetensorsDType('float32'); // false
 * ```
 */
export function isSafetensorsDType(value: unknown): value is SafetensorsDType {
  return typeof value === 'string' && Object.hasOwn(BITS, value);
}

/**
 * Bits one element of `dtype` occupies.
 *
 * @example
 * ```ts
 * safetensorsDTypeBits('F4'); // 4
 * ```
 */
export function safetensorsDTypeBits(dtype: SafetensorsDType): number {
  return BITS[dtype];
}

/**
 * The whittle dtype of a safetensors dtype, or undefined for those whittle cannot hold
 * (I64, U32, U64, C64, the 8-, 6- and 4-bit floats).
 *
 * @example
 * ```ts
 * toWhittleDType('BF16'); // 'bfloat16'
 * toWhittleDType('I64'); // undefined
 * ```
 */
export function toWhittleDType(dtype: SafetensorsDType): DType | undefined {
  return TO_WHITTLE[dtype];
}

/**
 * The safetensors dtype that stores a whittle dtype.
 *
 * @example
 * ```ts
 * toSafetensorsDType('float16'); // 'F16'
 * ```
 */
export function toSafetensorsDType(dtype: DType): SafetensorsDType {
  return FROM_WHITTLE[dtype];
}

/** The safetensors dtypes whittle reads into tensors, for error messages. */
export const READABLE_SAFETENSORS_DTYPES: readonly SafetensorsDType[] = Object.keys(TO_WHITTLE) as SafetensorsDType[];
