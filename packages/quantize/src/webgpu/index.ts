export { quantizeAffineOnGpu } from './quantize-affine-on-gpu.ts';
export { dequantizeOnGpu } from './dequantize-on-gpu.ts';
export { gpuDecodes } from './dequantize-affine-buffer.ts';
export { GPU_CODE_BITS } from './quantize-affine-buffer.ts';
export { dequantizeAffineTensor, quantizeAffineTensor } from './affine-on-backend.ts';
