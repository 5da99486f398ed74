/**
 * Dequantizing an affine encoding into a tfjs tensor on tfjs's WebGPU backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AffineEncoding } from '@whittle/core';
import { dequantizeAffineBuffer } from './dequantize-affine-buffer.ts';
import { webGpuDevice } from './tfjs-webgpu-device.ts';

/**
 * The float32 tfjs tensor an affine encoding stands for, computed on the GPU of tfjs's WebGPU
 * backend: only the packed codes and scales are uploaded (an eighth of the floats for int4),
 * and the values never visit the host. Bit for bit core's `decode`. 1-, 2-, 4- and 8-bit codes
 * with float32 or float16 scales (see `gpuDecodes`); other encodings are `invalid-argument`
 * errors (decode them on the host), malformed ones `invalid-encoding`, and a backend other than
 * webgpu `backend-unavailable`.
 *
 * @example
 * ```ts
 * await useBackend('webgpu');
 * const weights = await dequantizeOnGpu(quantizeAffine(kernel, { bits: 8, granularity: { kind: 'axis', axis: 1 } }));
 * ```
 */
export async function dequantizeOnGpu(encoding: AffineEncoding): Promise<tf.Tensor> {
  const device = webGpuDevice('dequantizeOnGpu');
  const buffer = await dequantizeAffineBuffer(device, encoding);
  const shape = [...encoding.shape];
  if (shape.includes(0)) {
    buffer.destroy();
    return tf.zeros(shape, 'float32');
  }
  try {
    // tfjs copies the buffer into its own pool (and submits the copy) here, so ours can go.
    return tf.tensor({ buffer: buffer as never }, shape, 'float32');
  } finally {
    buffer.destroy();
  }
}
