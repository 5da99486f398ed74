/**
 * `quantize.uint8` and `quantize.uint16`: tfjs-converter's stock weight quantization (one scale
 * and minimum per tensor), which an unmodified `tf.loadLayersModel` / `tf.loadGraphModel` reads.
 */
import {
  WEIGHT_ROLES,
  FILTER_FIELDS,
  copyFilter,
  estimateParams,
  mapParams,
  readFilter,
  rejectUnknownFields,
  type ParamFilter,
  type Encoding,
  type Param,
  type RecipeHandler,
  type RecipeStep,
} from '@whittle/core';
import { quantizeTfjsStock, tfjsStockByteLength, type TfjsStockDType } from '../primitives/tfjs-stock.ts';
import { encodeFloatParam, floatParamByteLength } from './float-param.ts';

/** A `quantize.uint8` step. */
export interface Uint8Step extends RecipeStep, ParamFilter {
  readonly kind: 'quantize.uint8';
}

/** A `quantize.uint16` step. */
export interface Uint16Step extends RecipeStep, ParamFilter {
  readonly kind: 'quantize.uint16';
}

/**
 * A `quantize.uint8` step: per-tensor 8-bit codes with the stock tfjs `{ dtype: 'uint8', min,
 * scale }`, computed exactly as tfjs-converter's `--quantize_uint8` does (a quarter of float32's bytes).
 *
 * @example
 * ```ts
 * const { model: stock } = await compress(model, [uint8()]); // loads in stock tfjs once written as tfjs artifacts
 * ```
 */
export function uint8(filter: ParamFilter = {}): Uint8Step {
  return { kind: 'quantize.uint8', ...copyFilter(filter) };
}

/**
 * A `quantize.uint16` step: as {@link uint8} with 16-bit codes (`--quantize_uint16`).
 *
 * @example
 * ```ts
 * const { model: stock } = await compress(model, [uint16({ include: ['encoder/**'] })]);
 * ```
 */
export function uint16(filter: ParamFilter = {}): Uint16Step {
  return { kind: 'quantize.uint16', ...copyFilter(filter) };
}

/** The handler for `quantize.uint8` steps. */
export const uint8Handler: RecipeHandler<Uint8Step> = stockHandler('quantize.uint8', 'uint8');

/** The handler for `quantize.uint16` steps. */
export const uint16Handler: RecipeHandler<Uint16Step> = stockHandler('quantize.uint16', 'uint16');

function stockHandler<Step extends Uint8Step | Uint16Step>(kind: Step['kind'], dtype: TfjsStockDType): RecipeHandler<Step> {
  const encodeParam = (param: Param): Encoding | undefined => encodeFloatParam(param, (tensor) => quantizeTfjsStock(tensor, dtype));
  return {
    kind,
    description: `tfjs stock ${dtype} quantization: per-tensor min and scale, readable by stock tfjs`,
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
      estimateParams(model, config, WEIGHT_ROLES, context, (param) => floatParamByteLength(param, (tensor) => tfjsStockByteLength(tensor.shape, dtype))),
    apply: (model, config, context) => mapParams(model, config, WEIGHT_ROLES, context, encodeParam),
  };
}
