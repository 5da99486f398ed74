import { rejectUnknownFields, WhittleError, type RecipeHandler, type RecipeStep } from '@whittle/core';
import { DYNAMIC_WEIGHT_TYPES, quantizeDynamic, type DynamicWeightType } from '../dynamic/quantize-dynamic.ts';

/**
 * An `onnx.dynamic` step: onnxruntime-style dynamic quantization of MatMuls and Convs
 * (`DynamicQuantizeLinear` + `MatMulInteger` or `ConvInteger`; see `quantizeDynamic`), as transformers.js's
 * `q8`, `int8` and `uint8` files are. Plain JSON data.
 */
export interface OnnxDynamicStep extends RecipeStep {
  readonly kind: 'onnx.dynamic';
  /** int8 (default) or uint8 weights. */
  readonly weightType?: DynamicWeightType;
  /** One scale per output column (default false: one per tensor). */
  readonly perChannel?: boolean;
  /** Weights (initializer names) kept in float. */
  readonly exclude?: readonly string[];
  /** Convs with a constant weight become ConvInteger too (default true). */
  readonly convolutions?: boolean;
}

/**
 * An `onnx.dynamic` step.
 *
 * @example
 * ```ts
 * const result = await compress(await readOnnxFile('model.onnx'), [onnxDynamic({ weightType: 'uint8' })]);
 * ```
 */
export function onnxDynamic(
  options: { readonly weightType?: DynamicWeightType; readonly perChannel?: boolean; readonly exclude?: readonly string[]; readonly convolutions?: boolean } = {},
): OnnxDynamicStep {
  return { ...options, kind: 'onnx.dynamic' };
}

/** The handler for `onnx.dynamic` steps; registered by `@whittle/onnx/register`. */
export const onnxDynamicHandler: RecipeHandler<OnnxDynamicStep> = {
  kind: 'onnx.dynamic',
  description: 'dynamic 8-bit quantization as onnxruntime writes it: DynamicQuantizeLinear + MatMulInteger, ConvInteger with uint8 weights for Convs (transformers.js q8/int8/uint8)',
  example: { kind: 'onnx.dynamic', weightType: 'int8' },
  effect: 'rewrites-topology',
  validate(step, context) {
    rejectUnknownFields(step, ['weightType', 'perChannel', 'exclude', 'convolutions'], context);
    const { weightType, perChannel, exclude, convolutions } = step;
    const fail = (field: string, message: string): never => {
      throw new WhittleError('invalid-recipe', message, { field, step: context.step });
    };
    if (weightType !== undefined && !DYNAMIC_WEIGHT_TYPES.includes(weightType as DynamicWeightType)) fail('weightType', 'weightType must be int8 or uint8');
    if (perChannel !== undefined && typeof perChannel !== 'boolean') fail('perChannel', 'perChannel must be true or false');
    if (convolutions !== undefined && typeof convolutions !== 'boolean') fail('convolutions', 'convolutions must be true or false');
    if (exclude !== undefined && (!Array.isArray(exclude) || !exclude.every((name) => typeof name === 'string' && name.length > 0))) {
      fail('exclude', 'exclude must be a list of non-empty initializer names');
    }
    return {
      kind: 'onnx.dynamic',
      ...(weightType === undefined ? {} : { weightType }),
      ...(perChannel === undefined ? {} : { perChannel }),
      ...(exclude === undefined ? {} : { exclude: [...(exclude as string[])] }),
      ...(convolutions === undefined ? {} : { convolutions }),
    } as OnnxDynamicStep;
  },
  apply(model, config, context) {
    const result = quantizeDynamic(model, config);
    context.note?.(`${result.nodes.length} MatMuls and Convs to MatMulInteger (${config.weightType ?? 'int8'} weights) and ConvInteger (uint8 weights)`);
    return result.model;
  },
};
