import { castDense, decode, denseByteLength } from '../encoding/index.ts';
import { WEIGHT_ROLES } from '../model/param-roles.ts';
import type { Param } from '../model/types.ts';
import { isFloatDType, type DType } from '../tensor/dtype.ts';
import { estimateParams, mapParams } from './map-params.ts';
import { FILTER_FIELDS, copyFilter, readEnum, readFilter, rejectUnknownFields } from './field-readers.ts';
import type { ParamFilter, RecipeHandler, RecipeStep } from './types.ts';

/** Every {@link CastDType}: the list the type is derived from. */
export const CAST_DTYPES = ['float32', 'float16', 'bfloat16'] as const satisfies readonly DType[];

/** The float dtypes a `cast` step stores params in. */
export type CastDType = (typeof CAST_DTYPES)[number];

/**
 * Core's own recipe step: store the selected dense float params in `dtype` (round to nearest
 * even). Params stored any other way (quantized, sparse…) and integer tensors are left alone.
 * Selects kernels, linear weights and embeddings unless `roles` says otherwise.
 */
export interface CastStep extends RecipeStep, ParamFilter {
  readonly kind: 'cast';
  readonly dtype: CastDType;
}

/**
 * A `cast` step: plain, JSON-serialisable data.
 *
 * @example
 * ```ts
 * const result = await compress(model, [cast('float16', { exclude: ['embedding/**'] })]);
 * ```
 */
export function cast(dtype: CastDType, filter: ParamFilter = {}): CastStep {
  return { kind: 'cast', dtype, ...copyFilter(filter) };
}

/** The handler for `cast` steps; in `defaultRegistry`. */
export const castHandler: RecipeHandler<CastStep> = {
  kind: 'cast',
  description: 'store dense float params as float32, float16 or bfloat16 (float16 halves float32 weights)',
  example: { kind: 'cast', dtype: 'float16' },
  defaultRoles: WEIGHT_ROLES,
  perParam: true,
  validate(step, context) {
    rejectUnknownFields(step, ['dtype', ...FILTER_FIELDS], context);
    const dtype = readEnum(step, 'dtype', CAST_DTYPES, {}, context);
    return { kind: 'cast', dtype, ...readFilter(step, context) };
  },
  effect: 're-encodes-params',
  encodeParam(param, config) {
    return castsTo(param, config.dtype) ? castDense(decode(param.value), config.dtype) : undefined;
  },
  estimate: (model, config, context) =>
    estimateParams(model, config, WEIGHT_ROLES, context, (param) =>
      castsTo(param, config.dtype) ? denseByteLength(config.dtype, param.shape) : undefined,
    ),
  apply(model, config, context) {
    return mapParams(model, config, WEIGHT_ROLES, context, (param) => castHandler.encodeParam!(param, config, context));
  },
};

/** Whether a cast to `dtype` re-encodes `param`: a dense float stored in another dtype. */
function castsTo(param: Param, dtype: CastDType): boolean {
  const { value } = param;
  return value.kind === 'dense' && isFloatDType(value.tensor.dtype) && value.tensor.dtype !== dtype;
}
