import type { Recipe } from '@whittle/core';

/** A named recipe for `whittle compress --preset`: ordinary recipe steps of registered kinds. */
export interface RecipePreset {
  readonly name: string;
  /** One line: what the preset does to a model. */
  readonly description: string;
  readonly recipe: Recipe;
}

/**
 * The presets of `whittle compress --preset`, defined here as plain data and nowhere else (the
 * demo's variants use them too). Each is exactly the recipe a user could pass with `--recipe`.
 * Like every step, they compress weights (kernels, linear weights, embeddings) and keep biases
 * and normalization params as they are.
 *
 * @example
 * ```ts
 * const int4 = RECIPE_PRESETS.find(({ name }) => name === 'int4-g32')!.recipe;
 * ```
 */
export const RECIPE_PRESETS = [
  {
    name: 'int8',
    description: 'int8 per output channel, symmetric, a float32 scale per channel (about 4× smaller)',
    recipe: [{ kind: 'quantize.affine', bits: 8, symmetric: true, granularity: { kind: 'axis' } }],
  },
  {
    name: 'int4-g32',
    description: "int4 in groups of 32 with a float16 scale each: ggml's Q4_0 layout, 4.5 bits per weight",
    recipe: [{ kind: 'quantize.affine', bits: 4, symmetric: true, granularity: { kind: 'group', size: 32 } }],
  },
  {
    name: 'kmeans4',
    description: 'k-means weight sharing: 16 float32 centroids per tensor and 4-bit indices',
    recipe: [{ kind: 'quantize.kmeans', bits: 4 }],
  },
  {
    name: 'float16',
    description: 'weights stored as float16 (half the bytes of float32)',
    recipe: [{ kind: 'cast', dtype: 'float16' }],
  },
  {
    name: 'fp16',
    description: "ONNX models: computed in float16, float32 inputs and outputs (transformers.js's fp16)",
    recipe: [{ kind: 'onnx.fp16' }],
  },
  {
    name: 'q4',
    description: "ONNX models: each MatMul with a constant weight as MatMulNBits, 4 bits in blocks of 32 (transformers.js's q4)",
    recipe: [{ kind: 'onnx.q4' }],
  },
  {
    name: 'q4f16',
    description: "ONNX models: q4, then computed in float16 with float32 inputs and outputs (transformers.js's q4f16)",
    recipe: [{ kind: 'onnx.q4' }, { kind: 'onnx.fp16' }],
  },
  {
    name: 'q8',
    description: "ONNX models: dynamic quantization, int8 weights and MatMulInteger (transformers.js's q8)",
    recipe: [{ kind: 'onnx.dynamic', weightType: 'int8' }],
  },
  {
    name: 'uint8',
    description: "ONNX models: dynamic quantization, uint8 weights with a zero point and MatMulInteger (transformers.js's uint8)",
    recipe: [{ kind: 'onnx.dynamic', weightType: 'uint8' }],
  },
  {
    name: 'uint8-stock',
    description: "tfjs-converter's --quantize_uint8: per-tensor uint8 that stock tfjs loads as it is",
    recipe: [{ kind: 'quantize.uint8' }],
  },
] as const satisfies readonly RecipePreset[];

/** A preset's name. */
export type RecipePresetName = (typeof RECIPE_PRESETS)[number]['name'];

/** Every preset name, in listing order. */
export const RECIPE_PRESET_NAMES: readonly RecipePresetName[] = RECIPE_PRESETS.map(({ name }) => name);

/**
 * The preset called `name`, or `undefined`.
 *
 * @example
 * ```ts
 * findPreset('float16')?.recipe; // [{ kind: 'cast', dtype: 'float16' }]
 * ```
 */
export function findPreset(name: string): RecipePreset | undefined {
  return RECIPE_PRESETS.find((preset) => preset.name === name);
}
