/**
 * `@whittle/quantize`: weight quantization for whittle models. Primitives (choose qparams,
 * quantize, dequantize, pack), k-means weight sharing, and recipe handlers for core's
 * `compress`; import `@whittle/quantize/register` to add the handlers to core's default registry.
 * @packageDocumentation
 */
export * from './primitives/index.ts';
export { affineKernelInput } from './simd/affine-simd.ts';
// Core's bit packing, re-exported for users who pack or read codes themselves.
export { codeRange, packBits, packedByteLength, unpackBits } from '@whittle/core';
export * from './recipes/index.ts';
export * from './gptq/index.ts';
export * from './calibrated/index.ts';
export * from './qat/index.ts';
export * from './webgpu/index.ts';
export * from './equalize/index.ts';
export * from './finetune/index.ts';
