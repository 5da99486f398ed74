/**
 * Reaching the device of tfjs's WebGPU backend, and the GPU buffer of a tfjs tensor, so the
 * affine kernels run on the same device as the model and read tensors where they already are.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, describeValue, requireBackend } from '@whittle/core';
import { BUFFER_USAGE, type GpuBuffer, type GpuDevice } from './gpu-interfaces.ts';

/** What the WebGPU backend object exposes (tfjs-backend-webgpu 4.x). */
interface WebGpuBackendLike {
  readonly device?: GpuDevice;
  readonly tensorMap?: { get(dataId: object): { readonly resource?: unknown } | undefined };
}

/**
 * Whether tfjs is running on its WebGPU backend now.
 *
 * @example
 * ```ts
 * if (webGpuActive()) await dequantizeOnGpu(encoding);
 * ```
 */
export function webGpuActive(): boolean {
  return tf.getBackend() === 'webgpu';
}

/**
 * The active WebGPU backend's device; a `backend-unavailable` error naming `caller` when the
 * backend is not webgpu.
 *
 * @example
 * ```ts
 * const device = webGpuDevice('quantizeAffineOnGpu');
 * ```
 */
export function webGpuDevice(caller: string): GpuDevice {
  requireBackend(caller);
  const device = webGpuActive() ? (tf.backend() as WebGpuBackendLike).device : undefined;
  if (device === undefined) {
    throw new WhittleError(
      'backend-unavailable',
      `${caller} runs on tfjs's webgpu backend, but the backend is ${describeValue(tf.getBackend())}: call useBackend('webgpu') first`,
      { field: 'backend' },
    );
  }
  return device;
}

/** A tensor's values in a GPU buffer, and how to let go of it. */
export interface TensorBuffer {
  readonly buffer: GpuBuffer;
  release(): void;
}

/**
 * The float32 values of `tensor` in a GPU buffer. A tensor the backend holds on the GPU is copied
 * there (tfjs's `dataToGPU`, which also flushes the backend's pending work); a small one tfjs
 * keeps on the CPU is uploaded.
 *
 * @example
 * ```ts
 * const { buffer, release } = await tensorBuffer(device, tensor);
 * try { run(buffer); } finally { release(); }
 * ```
 */
export async function tensorBuffer(device: GpuDevice, tensor: tf.Tensor): Promise<TensorBuffer> {
  const data = (tf.backend() as WebGpuBackendLike).tensorMap?.get(tensor.dataId);
  if (data?.resource !== undefined && data.resource !== null) {
    const { buffer, tensorRef } = tensor.dataToGPU() as unknown as { buffer: GpuBuffer; tensorRef: tf.Tensor };
    return { buffer, release: () => tensorRef.dispose() };
  }
  const values = (await tensor.data()) as Float32Array;
  const buffer = device.createBuffer({
    size: Math.max(4, values.byteLength),
    usage: BUFFER_USAGE.storage | BUFFER_USAGE.copySource | BUFFER_USAGE.copyDestination,
  });
  device.queue.writeBuffer(buffer, 0, values);
  return { buffer, release: () => buffer.destroy() };
}
