/**
 * The loop every quantize handler shares: select params with the step's filter (weights only by
 * default), encode each selected float tensor, and return a new model. Errors name the param.
 */
import {
  WEIGHT_ROLES,
  WhittleError,
  isFloatDType,
  isWhittleError,
  replaceParams,
  selectParams,
  sparseEncoding,
  type Encoding,
  type HostTensor,
  type Model,
  type Param,
  type ParamFilter,
  type ParamRole,
  type StepContext,
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
 * A new model in which every param the filter selects (kernels, linear weights and embeddings
 * unless `roles` says otherwise) is re-encoded by `encode`: dense float params directly, and the
 * dense float values of sparse params (Deep Compression's prune-then-quantize) as 1-D tensors.
 * Params stored any other way (already quantized, low-rank, integer) are left as they are.
 * A WhittleError from `encode` is rethrown naming the param and the step.
 *
 * @example
 * ```ts
 * const halved = quantizeParams(model, {}, { step: 1 }, (tensor) => castDense(tensor, 'float16'));
 * ```
 */
export function quantizeParams(model: Model, filter: ParamFilter, context: StepContext, encode: TensorEncoder): Model {
  const updates = new Map<string, Encoding>();
  const selected = selectParams(model, filter, WEIGHT_ROLES);
  for (const [index, param] of selected.entries()) {
    context.signal?.throwIfAborted();
    const { value } = param;
    // A tensor with no elements has nothing to quantize; its shape alone must not size scales.
    if (param.shape.includes(0)) continue;
    try {
      if (value.kind === 'dense' && isFloatDType(value.tensor.dtype)) {
        const encoded = encode(value.tensor, { param, role: param.role });
        if (encoded !== undefined) updates.set(param.name, encoded);
      } else if (value.kind === 'sparse' && value.values.kind === 'dense' && isFloatDType(value.values.tensor.dtype)) {
        const values = encode(value.values.tensor, { param, role: 'other' });
        if (values !== undefined) updates.set(param.name, sparseEncoding({ shape: value.shape, layout: value.layout, values }));
      }
    } catch (error) {
      throw locate(error, param.name, context.step);
    }
    context.onParam?.(param.name, index + 1, selected.length);
  }
  return replaceParams(model, updates);
}

function locate(error: unknown, name: string, step: number): unknown {
  if (!isWhittleError(error)) return error;
  // A recipe error points at the step's field; anything else at the param's data.
  const path = `params[${JSON.stringify(name)}]`;
  const field =
    error.code === 'invalid-recipe' ? error.field : error.field === undefined ? path : `${path}.${error.field}`;
  const message = error.message.startsWith(`${error.field}: `) ? error.message.slice(`${error.field}: `.length) : error.message;
  return new WhittleError(error.code, `param ${JSON.stringify(name)}: ${message}`, { field, step }, { cause: error });
}
