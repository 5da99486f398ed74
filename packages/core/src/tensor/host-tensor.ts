import { WhittleError, type ErrorLocation } from '../errors.ts';
import {
  allocate,
  isDType,
  matchesDType,
  type DType,
  type TypedArrayByDType,
} from './dtype.ts';
import { bfloat16ArrayToFloat32, float16ArrayToFloat32 } from './half.ts';
import { describeValue, shapeSize } from './shape.ts';

/**
 * Plain tensor data: the currency at every boundary (formats, encodings, streaming).
 * `data` is row-major and holds exactly `product(shape)` elements.
 */
export interface HostTensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: TypedArrayByDType[D];
}

/**
 * Builds a validated {@link HostTensor}. Without `data`, allocates zeros.
 *
 * @example
 * ```ts
 * const t = hostTensor('float32', [2, 2], new Float32Array([1, 2, 3, 4]));
 * ```
 */
export function hostTensor<D extends DType>(
  dtype: D,
  shape: readonly number[],
  data?: TypedArrayByDType[D],
): HostTensor<D> {
  const size = shapeSize(shape);
  const tensor = { dtype, shape: [...shape], data: data ?? allocate(dtype, size) };
  return validateHostTensor(tensor) as HostTensor<D>;
}

/**
 * Checks that `value` is a well-formed HostTensor: a known dtype, a valid shape, the typed array
 * that backs the dtype, and exactly as many elements as the shape says.
 *
 * @example
 * ```ts
 * validateHostTensor(JSON.parse(text), { field: 'weights[0]' });
 * ```
 */
export function validateHostTensor(value: unknown, location: ErrorLocation = {}): HostTensor {
  const at = (field: string): ErrorLocation => ({
    ...location,
    field: location.field === undefined ? field : `${location.field}.${field}`,
  });
  if (typeof value !== 'object' || value === null) {
    throw new WhittleError('invalid-tensor', `expected a tensor object, got ${describeValue(value)}`, location);
  }
  const candidate = value as Record<string, unknown>;
  if (!isDType(candidate.dtype)) {
    throw new WhittleError('invalid-tensor', `unknown dtype ${describeValue(candidate.dtype)}`, at('dtype'));
  }
  const size = shapeSize(candidate.shape, at('shape'));
  if (!matchesDType(candidate.dtype, candidate.data)) {
    throw new WhittleError(
      'invalid-tensor',
      `dtype ${candidate.dtype} needs its own typed array, got ${describeValue(candidate.data)}`,
      at('data'),
    );
  }
  const length = (candidate.data as ArrayLike<number>).length;
  if (length !== size) {
    throw new WhittleError(
      'invalid-tensor',
      `shape [${(candidate.shape as number[]).join(', ')}] needs ${size} elements, data has ${length}`,
      at('data'),
    );
  }
  return candidate as unknown as HostTensor;
}

/** Number of elements in a tensor. */
export function tensorSize(tensor: HostTensor): number {
  return tensor.data.length;
}

/**
 * The values of any HostTensor as float32 (16-bit floats widened exactly, integers converted,
 * bools as 0/1). Returns `tensor.data` itself when it is already float32; never mutates it.
 *
 * @example
 * ```ts
 * const values = toFloat32(hostTensor('int8', [2], new Int8Array([-1, 1]))).data; // [-1, 1]
 * ```
 */
export function toFloat32(tensor: HostTensor): HostTensor<'float32'> {
  switch (tensor.dtype) {
    case 'float32':
      return tensor as HostTensor<'float32'>;
    case 'float16':
      return { dtype: 'float32', shape: tensor.shape, data: float16ArrayToFloat32(tensor.data as Uint16Array) };
    case 'bfloat16':
      return { dtype: 'float32', shape: tensor.shape, data: bfloat16ArrayToFloat32(tensor.data as Uint16Array) };
    default:
      return { dtype: 'float32', shape: tensor.shape, data: Float32Array.from(tensor.data as ArrayLike<number>) };
  }
}
