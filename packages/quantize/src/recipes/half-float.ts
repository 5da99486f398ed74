/**
 * `quantize.float16` and `quantize.bfloat16`: store weights as 16-bit floats (half the bytes).
 * float16 keeps 11 significant bits over ±65504 (and is tfjs-converter's stock `float16`);
 * bfloat16 keeps float32's range with 8 significant bits.
 */
import {
  WEIGHT_ROLES,
  FILTER_FIELDS,
  WhittleError,
  castDense,
  copyFilter,
  denseByteLength,
  estimateParams,
  mapParams,
  readFilter,
  rejectUnknownFields,
  toFloat32,
  type DenseEncoding,
  type HostTensor,
  type ParamFilter,
  type Encoding,
  type Param,
  type RecipeHandler,
  type RecipeStep,
} from '@whittle/core';
import { firstNonFinite, nonFiniteError } from '../primitives/non-finite.ts';
import { encodeFloatParam, floatParamByteLength } from './float-param.ts';

/** A `quantize.float16` step. */
export interface Float16Step extends RecipeStep, ParamFilter {
  readonly kind: 'quantize.float16';
}

/** A `quantize.bfloat16` step. */
export interface Bfloat16Step extends RecipeStep, ParamFilter {
  readonly kind: 'quantize.bfloat16';
}

/**
 * A `quantize.float16` step: weights stored as IEEE half floats, rounding to nearest even. A
 * weight beyond float16's range (±65504) is an `invalid-tensor` error naming it, not a silent
 * infinity: use bfloat16 for such params, or exclude them.
 *
 * @example
 * ```ts
 * const { model: half } = await compress(model, [float16({ exclude: ['embedding/**'] })]);
 * ```
 */
export function float16(filter: ParamFilter = {}): Float16Step {
  return { kind: 'quantize.float16', ...copyFilter(filter) };
}

/**
 * A `quantize.bfloat16` step: weights stored as bfloat16 (float32's top 16 bits, rounded).
 *
 * @example
 * ```ts
 * const { model: brain } = await compress(model, [bfloat16()]);
 * ```
 */
export function bfloat16(filter: ParamFilter = {}): Bfloat16Step {
  return { kind: 'quantize.bfloat16', ...copyFilter(filter) };
}

/** The handler for `quantize.float16` steps. */
export const float16Handler: RecipeHandler<Float16Step> = halfFloatHandler('quantize.float16', 'float16');

/** The handler for `quantize.bfloat16` steps. */
export const bfloat16Handler: RecipeHandler<Bfloat16Step> = halfFloatHandler('quantize.bfloat16', 'bfloat16');

function halfFloatHandler<Step extends Float16Step | Bfloat16Step>(
  kind: Step['kind'],
  dtype: 'float16' | 'bfloat16',
): RecipeHandler<Step> {
  // Already stored so: keep the param as it is.
  const encodeParam = (param: Param): Encoding | undefined => encodeFloatParam(param, (tensor) => (tensor.dtype === dtype ? undefined : castFinite(tensor, dtype)));
  return {
    kind,
    description: `store weights as ${dtype} (2 bytes each)`,
    example: { kind } as Step,
    effect: 're-encodes-params',
    defaultRoles: WEIGHT_ROLES,
    perParam: true,
    validate(step, context) {
      rejectUnknownFields(step, FILTER_FIELDS, context);
      return { kind, ...readFilter(step, context) } as Step;
    },
    encodeParam,
    estimate: (model, config, context) =>
      estimateParams(model, config, WEIGHT_ROLES, context, (param) =>
        floatParamByteLength(param, (tensor) => (tensor.dtype === dtype ? undefined : denseByteLength(dtype, tensor.shape))),
      ),
    apply: (model, config, context) => mapParams(model, config, WEIGHT_ROLES, context, encodeParam),
  };
}

/** Smallest magnitude float16 rounds to infinity (65504 plus half its last step). */
const FLOAT16_OVERFLOW = 65520;

/** Casts, refusing NaN and infinities (as every quantize step does) and float16 overflow. */
function castFinite(tensor: HostTensor, dtype: 'float16' | 'bfloat16'): DenseEncoding {
  const values = toFloat32(tensor).data;
  const index = firstNonFinite(values);
  if (index >= 0) throw nonFiniteError(values, index);
  if (dtype === 'float16') {
    const overflow = values.findIndex((value) => Math.abs(value) >= FLOAT16_OVERFLOW);
    if (overflow >= 0) {
      throw new WhittleError(
        'invalid-tensor',
        `element ${overflow} is ${values[overflow]}, beyond float16's ±65504; use bfloat16 or exclude this tensor`,
        { field: `data[${overflow}]` },
      );
    }
  }
  return castDense(tensor, dtype);
}
