export { encodeFloatParam, floatParamByteLength, floatTensorOf, type TensorContext, type TensorEncoder, type TensorSizer } from './float-param.ts';
export { paramGranularity, type GranularityConfig } from './param-granularity.ts';
export { float16, bfloat16, float16Handler, bfloat16Handler, type Float16Step, type Bfloat16Step } from './half-float.ts';
export { DEFAULT_UINT8_EQUALIZE, DEFAULT_UINT8_RANGE, uint8, uint16, uint8Handler, uint16Handler, type Uint8Options, type Uint8Step, type Uint16Step } from './tfjs-stock-steps.ts';
export { affine, affineHandler, type AffineStep, type AffineOptions, type AffineStepScaleDType } from './affine-step.ts';
export { int8, int4, int3, int2, type Int8Options, type GroupwiseOptions, type GroupSize } from './integer-presets.ts';
export { kmeans, kmeansHandler, type KmeansConfig, type KmeansStep, type KmeansStepOptions } from './kmeans-step.ts';
export { quantizeHandlers } from './handlers.ts';
