import { rejectUnknownFields, WhittleError, type RecipeHandler, type RecipeStep } from '@whittle/core';
import { quantizeMatMulsToNBits } from '../q4/quantize-matmul-nbits.ts';

/**
 * An `onnx.q4` step: each MatMul with a constant weight as `com.microsoft.MatMulNBits`, 4-bit
 * codes chosen by round to nearest (see `quantizeMatMulsToNBits`), as transformers.js's
 * `dtype: 'q4'` files are. Plain JSON data. GPTQ needs the MatMuls' inputs: call
 * `quantizeMatMulsToNBits` with `method: 'gptq'` and calibration rows.
 */
export interface OnnxQ4Step extends RecipeStep {
  readonly kind: 'onnx.q4';
  /** Rows of K per scale, a power of two of at least 16 (default 32). */
  readonly blockSize?: number;
  /** Signed codes (default) or unsigned codes with zero points. */
  readonly symmetric?: boolean;
  /** Weights (initializer names) kept in float. */
  readonly exclude?: readonly string[];
}

/**
 * An `onnx.q4` step.
 *
 * @example
 * ```ts
 * const result = await compress(await readOnnxFile('model.onnx'), [onnxQ4({ blockSize: 32 })]);
 * ```
 */
export function onnxQ4(options: Omit<OnnxQ4Step, 'kind'> = {}): OnnxQ4Step {
  return { kind: 'onnx.q4', ...options };
}

/** The handler for `onnx.q4` steps; registered by `@whittle/onnx/register`. */
export const onnxQ4Handler: RecipeHandler<OnnxQ4Step> = {
  kind: 'onnx.q4',
  description: 'rewrite each MatMul with a constant weight as com.microsoft.MatMulNBits: 4-bit codes per block of K, a scale each (transformers.js q4)',
  example: { kind: 'onnx.q4', blockSize: 32 },
  effect: 'rewrites-topology',
  validate(step, context) {
    rejectUnknownFields(step, ['blockSize', 'symmetric', 'exclude'], context);
    const { blockSize, symmetric, exclude } = step;
    if (blockSize !== undefined && (typeof blockSize !== 'number' || !Number.isInteger(blockSize) || blockSize < 16 || (blockSize & (blockSize - 1)) !== 0)) {
      throw new WhittleError('invalid-recipe', 'blockSize must be a power of two of at least 16', { field: 'blockSize', step: context.step });
    }
    if (symmetric !== undefined && typeof symmetric !== 'boolean') {
      throw new WhittleError('invalid-recipe', 'symmetric must be true or false', { field: 'symmetric', step: context.step });
    }
    if (exclude !== undefined && (!Array.isArray(exclude) || !exclude.every((name) => typeof name === 'string' && name.length > 0))) {
      throw new WhittleError('invalid-recipe', 'exclude must be a list of non-empty initializer names', { field: 'exclude', step: context.step });
    }
    return {
      kind: 'onnx.q4',
      ...(blockSize === undefined ? {} : { blockSize }),
      ...(symmetric === undefined ? {} : { symmetric }),
      ...(exclude === undefined ? {} : { exclude: [...exclude] }),
    } as OnnxQ4Step;
  },
  async apply(model, config, context) {
    const result = await quantizeMatMulsToNBits(model, config);
    context.note?.(`${result.nodes.length} MatMuls to MatMulNBits (4 bits, blocks of ${config.blockSize ?? 32})`);
    return result.model;
  },
};
