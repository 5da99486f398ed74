import {
  compress,
  createRecipeRegistry,
  decode,
  replaceParams,
  type Encoding,
  type Model,
  type RecipeStep,
} from '@whittle/core';
import {
  GPTQ_ROLES,
  bfloat16,
  float16,
  gptq,
  int2,
  int3,
  int4,
  int8,
  kmeans,
  quantizeHandlers,
  rtnQuantize,
  uint8,
  type GptqCalibration,
  type GptqRole,
} from '@whittle/quantize';

/** One way to quantize a model's weights, as the quantization suite compares them. */
export interface QuantizationMethod {
  /** The row's case, e.g. `int4-g32-symmetric`. */
  readonly name: string;
  /**
   * A new model with the method applied to every Dense kernel (and Linear weight); biases stay
   * float32. `calibration` is GPTQ's calibration resource (model-input batches, or each
   * kernel's layer inputs by name), for the methods that use it.
   */
  quantize(model: Model, calibration: GptqCalibration): Promise<Model>;
}

// An explicit registry rather than `@whittle/quantize/register`: the bench library has no side effects.
const REGISTRY = createRecipeRegistry(quantizeHandlers);

/**
 * Every method the quantization suite compares, in table order: 16-bit floats, tfjs's stock
 * uint8, int8 per channel, group-wise int4 / int3 / int2, k-means weight sharing, and GPTQ with
 * the round-to-nearest (RTN) quantizer of the same configuration beside it. All but RTN are
 * recipe steps run by `compress`; RTN is `rtnQuantize`, GPTQ's own baseline.
 *
 * @example
 * ```ts
 * for (const method of QUANTIZATION_METHODS) console.log(method.name, await method.quantize(model, calibration));
 * ```
 */
export const QUANTIZATION_METHODS: readonly QuantizationMethod[] = [
  recipeMethod('float16', float16()),
  recipeMethod('bfloat16', bfloat16()),
  recipeMethod('uint8-stock', uint8()),
  recipeMethod('int8-channel', int8()),
  recipeMethod('int4-g32-symmetric', int4({ groupSize: 32 })),
  recipeMethod('int4-g32-asymmetric', int4({ groupSize: 32, symmetric: false })),
  recipeMethod('int4-g128-symmetric', int4({ groupSize: 128 })),
  recipeMethod('int4-g128-asymmetric', int4({ groupSize: 128, symmetric: false })),
  recipeMethod('int3-g64', int3({ groupSize: 64 })),
  recipeMethod('int2-g32', int2({ groupSize: 32 })),
  recipeMethod('kmeans-4bit', kmeans({ bits: 4 })),
  recipeMethod('kmeans-3bit', kmeans({ bits: 3 })),
  recipeMethod('kmeans-2bit', kmeans({ bits: 2 })),
  rtnMethod('rtn-4bit-g128', 4),
  recipeMethod('gptq-4bit-g128', gptq({ bits: 4, groupSize: 128 })),
  rtnMethod('rtn-3bit-g128', 3),
  recipeMethod('gptq-3bit-g128', gptq({ bits: 3, groupSize: 128 })),
];

function recipeMethod(name: string, step: RecipeStep): QuantizationMethod {
  return {
    name,
    quantize: async (model, calibration) => (await compress(model, [step], { registry: REGISTRY, resources: { calibration } })).model,
  };
}

function rtnMethod(name: string, bits: number): QuantizationMethod {
  return {
    name,
    quantize: async (model) => {
      const updates = new Map<string, Encoding>();
      for (const param of model.params.values()) {
        if (!(GPTQ_ROLES as readonly string[]).includes(param.role)) continue;
        const role = param.role as GptqRole;
        updates.set(param.name, rtnQuantize(decode(param.value), { bits, groupSize: 128, role }).encoding);
      }
      return replaceParams(model, updates);
    },
  };
}
