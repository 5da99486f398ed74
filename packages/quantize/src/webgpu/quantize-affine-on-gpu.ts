/**
 * Affine quantization of a tfjs tensor on tfjs's WebGPU backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, describeValue, fromTensor, type AffineEncoding } from '@whittle/core';
import { quantizeAffine, type QuantizeAffineOptions } from '../primitives/quantize-affine.ts';
import { gpuQuantizePlan, quantizeAffineBuffer } from './quantize-affine-buffer.ts';
import { tensorBuffer, webGpuDevice } from './tfjs-webgpu-device.ts';

/**
 * Quantizes a float32 tfjs tensor on the GPU of tfjs's WebGPU backend: the same encoding
 * `quantizeAffine` makes from the same values, byte for byte (codes are the float32 product of
 * each value and its slot's float32 inverse scale, rounded half to even, on either side). The
 * tensor is read where it lies; only per-slot ranges and the
 * packed codes come back to the host. 1-, 2-, 4- and 8-bit codes; other widths, and the rare
 * ranges too narrow or too wide for float32 maths, are quantized on the host instead. Throws
 * as `quantizeAffine` does for bad options and non-finite values, and `backend-unavailable`
 * when the backend is not webgpu.
 *
 * @example
 * ```ts
 * await useBackend('webgpu');
 * const int4 = await quantizeAffineOnGpu(tf.randomNormal([4096, 4096]), { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } });
 * ```
 */
export async function quantizeAffineOnGpu(tensor: tf.Tensor, options: QuantizeAffineOptions): Promise<AffineEncoding> {
  const device = webGpuDevice('quantizeAffineOnGpu');
  if (!(tensor instanceof tf.Tensor) || tensor.dtype !== 'float32') {
    throw new WhittleError(
      'invalid-tensor',
      `quantizeAffineOnGpu quantizes float32 tfjs tensors, got ${describeValue(tensor instanceof tf.Tensor ? tensor.dtype : tensor)}`,
      { field: 'dtype' },
    );
  }
  if (tensor.isDisposed) {
    throw new WhittleError('invalid-tensor', 'quantizeAffineOnGpu was given a disposed tensor', { field: 'tensor' });
  }
  const shape = [...tensor.shape];
  gpuQuantizePlan(shape, options);
  if (tensor.size === 0) return quantizeAffine(await fromTensor(tensor), options);
  const { buffer, release } = await tensorBuffer(device, tensor);
  try {
    const encoding = await quantizeAffineBuffer(device, buffer, shape, options);
    if (encoding !== undefined) return encoding;
  } finally {
    release();
  }
  return quantizeAffine(await fromTensor(tensor), options);
}
