import { byteLength, encodingParamCount } from '../encoding/byte-length.ts';
import type { Encoding } from '../encoding/types.ts';
import { WhittleError, isWhittleError } from '../errors.ts';
import { compileFilter, selectParams } from '../model/param-filter.ts';
import { replaceParams } from '../model/replace-params.ts';
import type { Model, Param, ParamRole } from '../model/types.ts';
import type { ModelSize, ParamFilter, StepContext } from './types.ts';

/** Encodes one selected param; `undefined` leaves it as it is. */
export type ParamEncoder = (param: Param) => Encoding | undefined;

/** The bytes one selected param would store once encoded; `undefined` when it would be left as it is. */
export type ParamSizer = (param: Param) => number | undefined;

/**
 * The loop of every per-param step: a new model in which each param that `filter` selects (with
 * `defaultRoles` when the filter names no roles) is re-encoded by `encode`, in model order,
 * watching `context.signal` and reporting each param to `context.onParam`. A WhittleError from
 * `encode` is rethrown naming the param and the step. The input model is left untouched.
 *
 * @example
 * ```ts
 * const half = mapParams(model, {}, WEIGHT_ROLES, context, (param) =>
 *   param.value.kind === 'dense' ? castDense(decode(param.value), 'float16') : undefined);
 * ```
 */
export function mapParams(
  model: Model,
  filter: ParamFilter,
  defaultRoles: readonly ParamRole[],
  context: Pick<StepContext, 'step' | 'signal' | 'onParam'>,
  encode: ParamEncoder,
): Model {
  const updates = new Map<string, Encoding>();
  const selected = selectParams(model, filter, defaultRoles);
  for (const [index, param] of selected.entries()) {
    context.signal?.throwIfAborted();
    const encoded = encodeLocated(param, context.step, encode);
    if (encoded !== undefined) updates.set(param.name, encoded);
    context.onParam?.(param.name, index + 1, selected.length);
  }
  return replaceParams(model, updates);
}

/**
 * What {@link mapParams} with a matching encoder would leave: the model's param count (a
 * re-encoding keeps every shape) and the bytes of every param, `sizeParam(param)` for each one
 * `filter` selects and its current bytes for the rest. Reads shapes and sizes only, never data.
 * A WhittleError from `sizeParam` is rethrown naming the param and the step, as `mapParams` does.
 *
 * @example
 * ```ts
 * const { bytes } = estimateParams(model, {}, WEIGHT_ROLES, { step: 1 }, (param) =>
 *   param.value.kind === 'dense' ? denseByteLength('float16', param.shape) : undefined);
 * ```
 */
export function estimateParams(
  model: Model,
  filter: ParamFilter,
  defaultRoles: readonly ParamRole[],
  context: Pick<StepContext, 'step'>,
  sizeParam: ParamSizer,
): ModelSize {
  const selects = compileFilter(filter, defaultRoles);
  let params = 0;
  let bytes = 0;
  for (const param of model.params.values()) {
    params += encodingParamCount(param.value);
    const sized = selects(param) ? atParam(param, context.step, sizeParam) : undefined;
    bytes += sized ?? byteLength(param.value);
  }
  return { params, bytes };
}

/**
 * `encode(param)`, with a WhittleError it throws rethrown naming the param (`param "x": …`) and
 * the step, so a failure deep in an encoder points at the tensor that caused it.
 *
 * @example
 * ```ts
 * const encoded = encodeLocated(param, 2, (p) => castDense(decode(p.value), 'float16'));
 * ```
 */
export function encodeLocated(param: Param, step: number, encode: ParamEncoder): Encoding | undefined {
  return atParam(param, step, encode);
}

function atParam<Result>(param: Param, step: number, work: (param: Param) => Result): Result {
  try {
    return work(param);
  } catch (error) {
    throw locateParamError(error, param.name, step);
  }
}

function locateParamError(error: unknown, name: string, step: number): unknown {
  if (!isWhittleError(error)) return error;
  // A recipe error points at the step's field; anything else at the param's data.
  const path = `params[${JSON.stringify(name)}]`;
  const field =
    error.code === 'invalid-recipe' ? error.field : error.field === undefined ? path : `${path}.${error.field}`;
  return new WhittleError(error.code, `param ${JSON.stringify(name)}: ${error.detail}`, { ...(error.file === undefined ? {} : { file: error.file }), field, step }, { cause: error });
}
