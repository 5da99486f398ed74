/**
 * What the demo's wasm training kernels need from tfjs's wasm backend: calling another
 * registered kernel directly (inside a kernel the engine is not re-entered), and reading and
 * writing tensors in place in the backend's heap. tfjs-backend-wasm's `BackendWasm` has both
 * heap methods; they are named here so the kernels need no import of the backend package.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '@whittle/core';

/** The two methods of tfjs's wasm backend through which a kernel works on its heap. */
export interface WasmHeapBackend extends tf.KernelBackend {
  /** A new tensor of `shape` in the heap; its contents are whatever the heap held there. */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A view of the tensor's memory; it is detached by the next heap growth, so take it after the last allocation. */
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/**
 * Runs the kernel registered as `name` on the wasm backend and returns its output.
 *
 * @example
 * ```ts
 * const product = runWasmKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }, backend);
 * ```
 */
export function runWasmKernel(
  name: string,
  inputs: Readonly<Record<string, tf.TensorInfo>>,
  attributes: Readonly<Record<string, unknown>>,
  backend: unknown,
): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) throw new WhittleError('backend-unavailable', `the wasm backend has no ${name} kernel`, { field: 'backend' });
  return kernel.kernelFunc({
    inputs: inputs as unknown as tf.NamedTensorInfoMap,
    backend: backend as tf.KernelBackend,
    attrs: attributes as tf.NamedAttrMap,
  }) as tf.TensorInfo;
}

/**
 * `info`'s memory read as another shape of the same size: what a Reshape does, without a call
 * (the wasm kernels find their inputs by `dataId` and trust the shape they are given).
 *
 * @example
 * ```ts
 * const matrix = asShape(dy, [1, positions, outChannels]);
 * ```
 */
export function asShape(info: tf.TensorInfo, shape: readonly number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape: [...shape], dtype: info.dtype };
}

/**
 * Frees the temporaries a kernel made (each `dataId` once).
 *
 * @example
 * ```ts
 * try { ... } finally { release(backend, temporaries); }
 * ```
 */
export function release(backend: unknown, temporaries: readonly tf.TensorInfo[]): void {
  for (const info of temporaries) (backend as tf.KernelBackend).disposeData(info.dataId);
}

/**
 * The backend a wasm kernel was called with, checked to have the heap methods the demo's
 * kernels use (a typed error if a tfjs version dropped them, rather than a TypeError).
 *
 * @example
 * ```ts
 * const heap = wasmHeapBackend(backend, 'Conv2DBackpropInput');
 * ```
 */
export function wasmHeapBackend(backend: unknown, kernelName: string): WasmHeapBackend {
  const candidate = backend as Partial<WasmHeapBackend> | undefined;
  if (typeof candidate?.makeOutput !== 'function' || typeof candidate.typedArrayFromHeap !== 'function') {
    throw new WhittleError('backend-unavailable', `${kernelName} on wasm needs the backend's heap methods, which this tfjs lacks; train on the cpu backend`, {
      field: 'backend',
    });
  }
  return candidate as WasmHeapBackend;
}
