/**
 * Quantize and dequantize for tfjs tensors on whichever backend is active: the WebGPU kernels
 * where the backend is webgpu and they cover the request, the host kernels otherwise.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { fromTensor, toTensor, type AffineEncoding } from '@whittle/core';
import { dequantizeAffine } from '../primitives/dequantize-affine.ts';
import { quantizeAffine, type QuantizeAffineOptions } from '../primitives/quantize-affine.ts';
import { gpuDecodes } from './dequantize-affine-buffer.ts';
import { dequantizeOnGpu } from './dequantize-on-gpu.ts';
import { quantizeAffineOnGpu } from './quantize-affine-on-gpu.ts';
import { GPU_CODE_BITS } from './quantize-affine-buffer.ts';
import { webGpuActive } from './tfjs-webgpu-device.ts';

/**
 * `quantizeAffine` for a tfjs tensor: on the WebGPU backend, 1-, 2-, 4- and 8-bit codes are
 * computed on the GPU where the tensor lies ({@link quantizeAffineOnGpu}); on other backends, or
 * for other widths, the tensor is read to the host and quantized there.
 *
 * @example
 * ```ts
 * const int8 = await quantizeAffineTensor(weights, { bits: 8, granularity: { kind: 'axis', axis: 1 } });
 * ```
 */
export async function quantizeAffineTensor(tensor: tf.Tensor, options: QuantizeAffineOptions): Promise<AffineEncoding> {
  if (webGpuActive() && GPU_CODE_BITS.includes(options?.bits)) return await quantizeAffineOnGpu(tensor, options);
  return quantizeAffine(await fromTensor(tensor), options);
}

/**
 * `dequantizeAffine` into a tfjs tensor: decoded on the GPU on the WebGPU backend when the
 * kernel covers the encoding ({@link dequantizeOnGpu}), on the host otherwise. The values are
 * the same either way.
 *
 * @example
 * ```ts
 * const weights = await dequantizeAffineTensor(encoding);
 * ```
 */
export async function dequantizeAffineTensor(encoding: AffineEncoding): Promise<tf.Tensor> {
  if (webGpuActive() && gpuDecodes(encoding)) return await dequantizeOnGpu(encoding);
  return toTensor(dequantizeAffine(encoding));
}
