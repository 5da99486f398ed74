import { castDense, decode } from '../encoding/index.ts';
import type { Encoding } from '../encoding/types.ts';
import { WEIGHT_ROLES } from '../model/param-roles.ts';
import { selectParams } from '../model/param-filter.ts';
import { replaceParams } from '../model/replace-params.ts';
import { isFloatDType, type DType } from '../tensor/dtype.ts';
import { FILTER_FIELDS, readEnum, readFilter, rejectUnknownFields } from './field-readers.ts';
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
  apply(model, config, context) {
    const updates = new Map<string, Encoding>();
    const selected = selectParams(model, config, WEIGHT_ROLES);
    for (const [index, param] of selected.entries()) {
      context.signal?.throwIfAborted();
      const { value } = param;
      if (value.kind === 'dense' && isFloatDType(value.tensor.dtype) && value.tensor.dtype !== config.dtype) {
        updates.set(param.name, castDense(decode(value), config.dtype));
      }
      context.onParam?.(param.name, index + 1, selected.length);
    }
    return replaceParams(model, updates);
  },
};

function copyFilter(filter: ParamFilter): ParamFilter {
  // Absent fields stay absent (not `undefined`), so the step survives a JSON round trip unchanged.
  const copy: { include?: string[]; exclude?: string[]; roles?: ParamFilter['roles'] } = {};
  if (filter.include !== undefined) copy.include = [...filter.include];
  if (filter.exclude !== undefined) copy.exclude = [...filter.exclude];
  if (filter.roles !== undefined) copy.roles = [...filter.roles];
  return copy;
}
