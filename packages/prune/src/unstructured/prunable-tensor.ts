/**
 * What an unstructured pruning step reads from a param and writes back: the float32 values it
 * ranks (a dense float param, or a sparse one decoded, so a pruned param can be pruned further)
 * and the stored form of the result.
 */
import {
  WhittleError,
  castDense,
  decode,
  decodeToFloat32,
  sparseEncoding,
  sparseFromDense,
  toFloat32,
  type Encoding,
  type HostTensor,
  type Param,
  type SparseLayoutRequest,
} from '@whittle/core';
import { applyMask } from '../masks/index.ts';
import { storeSparse, type StorageOptions } from '../storage/index.ts';

/** The float dtypes a pruned param's stored values keep. */
export type PrunedValueDType = 'float32' | 'float16' | 'bfloat16';

/** The values a pruning step ranks, and the dtype its result stores them in. */
export interface PrunableTensor {
  /** The param's logical tensor as float32 (zeros of a sparse param included). Not to be mutated. */
  readonly tensor: HostTensor<'float32'>;
  /** The dtype the param stores its values in, kept by the result (lossless: they came from it). */
  readonly valueDType: PrunedValueDType;
}

/** Why a param was left alone, for the step's notes. */
export interface LeftAlone {
  readonly reason: string;
}

/**
 * The values of `param` a pruning step ranks, or why it leaves the param alone: float params
 * stored dense (float32, float16 or bfloat16) or sparse with dense float values are pruned;
 * integer, quantized and low-rank params, and params with no elements, are not (prune before
 * quantizing; a later quantize step re-encodes a sparse param's values and keeps its layout).
 * Throws an `invalid-tensor` error naming the element when a value is NaN, which has no magnitude.
 *
 * @example
 * ```ts
 * const found = prunableTensor(getParam(model, 'dense/kernel'));
 * if (!('reason' in found)) found.tensor.data.length; // 2048
 * ```
 */
export function prunableTensor(param: Param): PrunableTensor | LeftAlone {
  const { value } = param;
  if (param.shape.includes(0)) return { reason: 'it has no elements' };
  let found: PrunableTensor;
  if (value.kind === 'dense') {
    const { dtype } = value.tensor;
    if (!isStoredFloat(dtype)) return { reason: `it holds ${dtype} values` };
    found = { tensor: toFloat32(value.tensor), valueDType: dtype };
  } else if (value.kind === 'sparse') {
    const values = value.values;
    if (values.kind !== 'dense' || !isStoredFloat(values.tensor.dtype)) {
      return { reason: `its stored values are ${values.kind === 'dense' ? values.tensor.dtype : values.kind}-encoded (prune before quantizing)` };
    }
    found = { tensor: decodeToFloat32(value), valueDType: values.tensor.dtype };
  } else {
    return { reason: `it is ${value.kind}-encoded (prune before quantizing)` };
  }
  checkNoNaN(found.tensor.data);
  return found;
}

/**
 * `tensor` with every element `mask` prunes (0) set to +0, and every kept -0 made +0 too, so
 * sparse storage (which keeps any bit pattern but +0) stores exactly the nonzero values.
 *
 * @example
 * ```ts
 * maskedTensor(tensor, pruneLowest(magnitudeScores(tensor.data), 10)).data; // ten more zeros
 * ```
 */
export function maskedTensor(tensor: HostTensor<'float32'>, mask: Uint8Array): HostTensor<'float32'> {
  const data = applyMask(tensor.data, mask);
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let index = 0; index < words.length; index++) if (words[index] === 0x80000000) words[index] = 0;
  return { dtype: 'float32', shape: [...tensor.shape], data };
}

/**
 * A pruned float32 tensor stored as `storage` asks (`storeSparse`: the smallest form by
 * default), its values in `valueDType`. For a 16-bit dtype the layout is chosen for 16-bit
 * values unless `storage.valueBits` says otherwise.
 *
 * @example
 * ```ts
 * const encoding = storePruned(pruned, 'float16', { layout: 'auto' });
 * ```
 */
export function storePruned(tensor: HostTensor<'float32'>, valueDType: PrunedValueDType, storage: StorageOptions): Encoding {
  const valueBits = storage.valueBits ?? (valueDType === 'float32' ? 32 : 16);
  const stored = storeSparse(tensor, { ...storage, valueBits });
  if (valueDType === 'float32') return stored;
  if (stored.kind !== 'sparse') return castDense(tensor, valueDType);
  return sparseEncoding({ shape: stored.shape, layout: stored.layout, values: castDense(decode(stored.values), valueDType) });
}

/**
 * A pruned float32 tensor in the sparse `layout` asked for (N:M, say), its values in `valueDType`.
 *
 * @example
 * ```ts
 * storeInLayout(pruned, 'float32', { kind: 'nm', n: 2, m: 4, axis: 0 });
 * ```
 */
export function storeInLayout(tensor: HostTensor<'float32'>, valueDType: PrunedValueDType, layout: SparseLayoutRequest): Encoding {
  return sparseFromDense(tensor, layout, (values) => castDense(values, valueDType));
}

function isStoredFloat(dtype: string): dtype is PrunedValueDType {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16';
}

function checkNoNaN(data: Float32Array): void {
  for (let index = 0; index < data.length; index++) {
    if (Number.isNaN(data[index])) throw new WhittleError('invalid-tensor', `element ${index} is NaN`, { field: `data[${index}]` });
  }
}
