/**
 * What every per-param quantize step encodes: a param's float values, whether it stores them
 * dense or as the nonzero values of a sparse param. The loop over params is core's `mapParams`.
 */
import {
  byteLength,
  isFloatDType,
  lowRankEncoding,
  sparseEncoding,
  type Encoding,
  type HostTensor,
  type LowRankEncoding,
  type Param,
  type ParamRole,
} from '@whittle/core';

/** What a handler's encoder is told about the tensor it encodes. */
export interface TensorContext {
  readonly param: Param;
  /** The param's role, or `other` for the 1-D nonzero values of a sparse param. */
  readonly role: ParamRole;
}

/** Encodes one float tensor; `undefined` leaves it as it is. */
export type TensorEncoder = (tensor: HostTensor, context: TensorContext) => Encoding | undefined;

/**
 * The float tensor of `param` that a quantize step re-encodes, as {@link encodeFloatParam}
 * picks it: the dense float tensor, or the dense float values of a sparse param (Deep
 * Compression's prune-then-quantize) as a 1-D tensor; `undefined` for anything else (already
 * quantized, low-rank, integer) and for a tensor with no elements, whose shape alone must not
 * size scales.
 *
 * @example
 * ```ts
 * floatTensorOf(param)?.tensor.shape; // [768, 3072]
 * ```
 */
export function floatTensorOf(param: Param): { readonly tensor: HostTensor; readonly role: ParamRole } | undefined {
  const { value } = param;
  if (param.shape.includes(0)) return undefined;
  if (value.kind === 'dense' && isFloatDType(value.tensor.dtype)) return { tensor: value.tensor, role: param.role };
  if (value.kind === 'sparse' && value.values.kind === 'dense' && isFloatDType(value.values.tensor.dtype)) {
    return { tensor: value.values.tensor, role: 'other' };
  }
  return undefined;
}

/**
 * The new encoding of one param under a quantize step whose encoder is `encode`: dense float
 * params encoded directly, the float values of sparse params encoded and put back in the same
 * layout, the dense float factors of a lowrank param encoded each on its own (factorize, then
 * quantize), anything else (see {@link floatTensorOf}) left as it is (`undefined`). A handler's
 * `encodeParam` is this with its encoder; its `apply` is core's `mapParams` over that.
 *
 * @example
 * ```ts
 * const half = encodeFloatParam(param, (tensor) => castDense(tensor, 'float16'));
 * ```
 */
export function encodeFloatParam(param: Param, encode: TensorEncoder): Encoding | undefined {
  if (param.value.kind === 'lowrank') return encodeFactors(param, param.value, encode);
  const found = floatTensorOf(param);
  if (found === undefined) return undefined;
  const encoded = encode(found.tensor, { param, role: found.role });
  const { value } = param;
  return encoded !== undefined && value.kind === 'sparse' ? sparseEncoding({ shape: value.shape, layout: value.layout, values: encoded }) : encoded;
}

/** The bytes one float tensor would store once encoded; `undefined` when it would be left as it is. */
export type TensorSizer = (tensor: HostTensor, role: ParamRole) => number | undefined;

/**
 * What {@link encodeFloatParam} with a matching encoder would make `param` store, in bytes,
 * from shapes alone (`sizeTensor` may read the tensor's shape and dtype, never its data): the
 * encoded float tensor's bytes, plus the layout of a sparse param, which is kept;
 * `undefined` when the param would be left as it is. A handler's `estimate` is core's
 * `estimateParams` over this.
 *
 * @example
 * ```ts
 * floatParamByteLength(param, (tensor) => denseByteLength('float16', tensor.shape));
 * ```
 */
export function floatParamByteLength(param: Param, sizeTensor: TensorSizer): number | undefined {
  const { value: stored } = param;
  if (stored.kind === 'lowrank') {
    const sizes = [stored.left, stored.right].map((factor) => {
      const tensor = floatFactor(factor);
      return tensor === undefined ? undefined : sizeTensor(tensor, 'other');
    });
    if (sizes.every((size) => size === undefined)) return undefined;
    return (sizes[0] ?? byteLength(stored.left)) + (sizes[1] ?? byteLength(stored.right));
  }
  const found = floatTensorOf(param);
  if (found === undefined) return undefined;
  const bytes = sizeTensor(found.tensor, found.role);
  const { value } = param;
  return bytes !== undefined && value.kind === 'sparse' ? byteLength(value) - byteLength(value.values) + bytes : bytes;
}

/**
 * A `lowrank` param with each dense float factor encoded on its own (role `other`: per-axis
 * scales run along a factor's last axis), so factorizing then quantizing composes; `undefined`
 * when neither factor changes.
 */
function encodeFactors(param: Param, value: LowRankEncoding, encode: TensorEncoder): Encoding | undefined {
  const [left, right] = [value.left, value.right].map((factor) => {
    const tensor = floatFactor(factor);
    return (tensor === undefined ? undefined : encode(tensor, { param, role: 'other' })) ?? factor;
  });
  if (left === value.left && right === value.right) return undefined;
  return lowRankEncoding({ shape: value.shape, left: left!, right: right! });
}

/** A factor's tensor when it is dense float with elements: what a quantize step re-encodes. */
function floatFactor(factor: Encoding): HostTensor | undefined {
  if (factor.kind !== 'dense' || !isFloatDType(factor.tensor.dtype) || factor.tensor.shape.includes(0)) return undefined;
  return factor.tensor;
}
