import { rejectUnknownFields, WhittleError, type RecipeHandler, type RecipeStep, type StepLocation } from '@whittle/core';
import { convertToFloat16 } from '../fp16/convert-float16.ts';

/**
 * An `onnx.fp16` step: the model computed in float16 (see `convertToFloat16`), as
 * transformers.js's `dtype: 'fp16'` files are. Plain JSON data.
 */
export interface OnnxFloat16Step extends RecipeStep {
  readonly kind: 'onnx.fp16';
  /** Ops kept in float32 besides the default block list. */
  readonly blockedOps?: readonly string[];
  /** Nodes (by name) kept in float32. */
  readonly blockedNodes?: readonly string[];
}

/**
 * An `onnx.fp16` step.
 *
 * @example
 * ```ts
 * const result = await compress(await readOnnxFile('model.onnx'), [onnxFloat16({ blockedOps: ['Softmax'] })]);
 * ```
 */
export function onnxFloat16(options: Omit<OnnxFloat16Step, 'kind'> = {}): OnnxFloat16Step {
  return { kind: 'onnx.fp16', ...options };
}

/** The handler for `onnx.fp16` steps; registered by `@whittle/onnx/register`. */
export const onnxFloat16Handler: RecipeHandler<OnnxFloat16Step> = {
  kind: 'onnx.fp16',
  description: 'compute an ONNX model in float16: float16 weights and activations, float32 inputs and outputs (Casts), float32 kept for blocked ops',
  example: { kind: 'onnx.fp16' },
  effect: 'rewrites-topology',
  validate(step, context) {
    rejectUnknownFields(step, ['blockedOps', 'blockedNodes'], context);
    const blockedOps = readNames(step, 'blockedOps', context);
    const blockedNodes = readNames(step, 'blockedNodes', context);
    return { kind: 'onnx.fp16', ...(blockedOps === undefined ? {} : { blockedOps }), ...(blockedNodes === undefined ? {} : { blockedNodes }) };
  },
  apply(model, config, context) {
    const result = convertToFloat16(model, config);
    context.note?.(`${result.converted.length} initializers to float16; ${result.keptFloat32.length} nodes kept float32; ${result.casts} Casts inserted`);
    return result.model;
  },
};

function readNames(step: RecipeStep, field: string, context: StepLocation): string[] | undefined {
  const value = step[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string' && entry.length > 0)) {
    throw new WhittleError('invalid-recipe', `${field} must be a list of non-empty names`, { field, step: context.step });
  }
  return [...value] as string[];
}
