/**
 * Side effect: the wasm backend's kernels that training needs, added or replaced with faster ones.
 */
import { registerWasmBatchMatMulKernel } from './batch-mat-mul-kernel.ts';
import { registerWasmConv2DFilterKernel } from './conv2d-filter-kernel.ts';
import { registerWasmConv2DInputKernel } from './conv2d-input-kernel.ts';
import { registerWasmMaxPoolGradKernel } from './max-pool-grad-kernel.ts';

/**
 * Registers the demo's wasm training kernels (each does nothing when the wasm backend is not
 * registered or already has it): the untransposing BatchMatMul, the convolution gradients as
 * im2col products, and max pooling's gradient as one JS pass.
 *
 * @example
 * ```ts
 * registerWasmTrainingKernels();
 * await layers.fit(images, labels, { epochs: 1 });
 * ```
 */
export function registerWasmTrainingKernels(): void {
  registerWasmBatchMatMulKernel();
  registerWasmConv2DFilterKernel();
  registerWasmConv2DInputKernel();
  registerWasmMaxPoolGradKernel();
}
