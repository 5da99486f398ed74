/**
 * `@whittle/core/test`: fast-check arbitraries and hostile-input helpers for testing code built on
 * whittle (needs the optional peer fast-check).
 */
export { tensorBits } from './bits.ts';
export { classificationBatches } from './classification-task.ts';
export type { ClassificationTaskOptions } from './classification-task.ts';
export { CODE_WIDTHS, encodingArbitrary, encodingOfShapeArbitrary } from './encoding-arbitraries.ts';
export type { EncodingOptions } from './encoding-arbitraries.ts';
export { HOSTILE_VALUES, deeplyNested, fieldPaths, mutationArbitrary, replaceAt } from './malformed.ts';
export { modelArbitrary } from './model-arbitraries.ts';
export type { ModelOptions } from './model-arbitraries.ts';
export { hostTensorArbitrary, shapeArbitrary, sparseTensorArbitrary, typedDataArbitrary } from './tensor-arbitraries.ts';
export type { ShapeOptions } from './tensor-arbitraries.ts';
