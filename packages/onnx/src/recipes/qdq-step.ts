import { rejectUnknownFields, WhittleError, type RecipeHandler, type RecipeStep } from '@whittle/core';
import { quantizeMatMulsToQdq, type QdqBits } from '../qdq/quantize-matmul-qdq.ts';

/**
 * An `onnx.qdq` step: each MatMul's constant weight stored as INT4/UINT4 or INT8/UINT8 behind a
 * standard `DequantizeLinear` (opset 21; see `quantizeMatMulsToQdq`). Plain JSON data.
 */
export interface OnnxQdqStep extends RecipeStep {
  readonly kind: 'onnx.qdq';
  readonly bits: QdqBits;
  /** Rows of K per scale; absent: one scale per output column. */
  readonly blockSize?: number;
  /** Signed codes (default) or unsigned codes with zero points. */
  readonly symmetric?: boolean;
  /** Weights (initializer names) kept in float. */
  readonly exclude?: readonly string[];
}

/**
 * An `onnx.qdq` step.
 *
 * @example
 * ```ts
 * const result = await compress(await readOnnxFile('model.onnx'), [onnxQdq({ bits: 4, blockSize: 32 })]);
 * ```
 */
export function onnxQdq(options: { readonly bits: QdqBits; readonly blockSize?: number; readonly symmetric?: boolean; readonly exclude?: readonly string[] }): OnnxQdqStep {
  return { ...options, kind: 'onnx.qdq' };
}

/** The handler for `onnx.qdq` steps; registered by `@whittle/onnx/register`. */
export const onnxQdqHandler: RecipeHandler<OnnxQdqStep> = {
  kind: 'onnx.qdq',
  description: 'store each MatMul weight as INT4/INT8 behind a standard DequantizeLinear (opset 21, axis and block_size)',
  example: { kind: 'onnx.qdq', bits: 4, blockSize: 32 },
  effect: 'rewrites-topology',
  validate(step, context) {
    rejectUnknownFields(step, ['bits', 'blockSize', 'symmetric', 'exclude'], context);
    const { bits, blockSize, symmetric, exclude } = step;
    const fail = (field: string, message: string): never => {
      throw new WhittleError('invalid-recipe', message, { field, step: context.step });
    };
    if (bits !== 4 && bits !== 8) fail('bits', 'bits must be 4 or 8');
    if (blockSize !== undefined && (typeof blockSize !== 'number' || !Number.isInteger(blockSize) || blockSize < 1)) fail('blockSize', 'blockSize must be a positive integer');
    if (symmetric !== undefined && typeof symmetric !== 'boolean') fail('symmetric', 'symmetric must be true or false');
    if (exclude !== undefined && (!Array.isArray(exclude) || !exclude.every((name) => typeof name === 'string' && name.length > 0))) {
      fail('exclude', 'exclude must be a list of non-empty initializer names');
    }
    return {
      kind: 'onnx.qdq',
      bits,
      ...(blockSize === undefined ? {} : { blockSize }),
      ...(symmetric === undefined ? {} : { symmetric }),
      ...(exclude === undefined ? {} : { exclude: [...(exclude as string[])] }),
    } as OnnxQdqStep;
  },
  apply(model, config, context) {
    const result = quantizeMatMulsToQdq(model, config);
    context.note?.(`${result.encodings.size} MatMul weights to ${config.bits}-bit DequantizeLinear`);
    return result.model;
  },
};
