/** Every supported dtype, in a stable order: the list {@link DType} is derived from. */
export const DTYPES = ['float64', 'float32', 'float16', 'bfloat16', 'int32', 'int16', 'uint16', 'int8', 'uint8', 'bool'] as const;

/**
 * Element types a {@link HostTensor} can hold. `float16` and `bfloat16` are stored as their raw
 * 16-bit patterns in a `Uint16Array`; `bool` as 0/1 bytes in a `Uint8Array`.
 */
export type DType = (typeof DTYPES)[number];

/** The typed array that backs each dtype. */
export interface TypedArrayByDType {
  float64: Float64Array;
  float32: Float32Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int32: Int32Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

/** Any typed array a HostTensor may hold. */
export type HostTypedArray = TypedArrayByDType[DType];


const BYTES_PER_ELEMENT: Record<DType, number> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int32: 4,
  int16: 2,
  uint16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

const CONSTRUCTORS = {
  float64: Float64Array,
  float32: Float32Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int32: Int32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
} as const;

/** True when `value` names a supported dtype. */
export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.hasOwn(BYTES_PER_ELEMENT, value);
}

/** Bytes one element of `dtype` occupies. */
export function bytesPerElement(dtype: DType): number {
  return BYTES_PER_ELEMENT[dtype];
}

/** True for dtypes that hold real numbers (float64, float32, float16, bfloat16). */
export function isFloatDType(dtype: DType): dtype is 'float64' | 'float32' | 'float16' | 'bfloat16' {
  return dtype === 'float64' || dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16';
}

/** A new zero-filled typed array of `length` elements for `dtype`. */
export function allocate<D extends DType>(dtype: D, length: number): TypedArrayByDType[D] {
  return new CONSTRUCTORS[dtype](length) as TypedArrayByDType[D];
}

/** The typed array constructor for `dtype`. */
export function typedArrayConstructor(dtype: DType): (typeof CONSTRUCTORS)[DType] {
  return CONSTRUCTORS[dtype];
}

/** True when `data` is the typed array kind that backs `dtype`. */
export function matchesDType(dtype: DType, data: unknown): boolean {
  return data instanceof CONSTRUCTORS[dtype];
}
