/**
 * What the demo's wasm training kernels need from tfjs's wasm backend: replacing one of its
 * kernels while keeping the original, calling another registered kernel directly (inside a kernel
 * the engine is not re-entered), the geometry of a convolution gradient, and reading and writing
 * tensors in place in the backend's heap. tfjs-backend-wasm's `BackendWasm` has both
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

/** Each wasm kernel this module replaced: the backend's own config and the one put in its place. */
const replaced = new Map<string, { readonly stock: tf.KernelConfig; readonly replacement: tf.KernelConfig }>();

/**
 * Puts `kernelFunc` in place of the wasm backend's `kernelName` kernel, keeping the backend's own
 * (see {@link stockWasmKernel}) and its setup (which binds the wasm function; a backend set up
 * later still needs it). Nothing when the backend has no such kernel, and nothing the second
 * time: the check is by the registered config object, not its function, since a profiler may
 * wrap the function in place.
 *
 * @example
 * ```ts
 * replaceWasmKernel(tf.MaxPoolGrad, firstMaximumPoolGradient);
 * ```
 */
export function replaceWasmKernel(kernelName: string, kernelFunc: tf.KernelFunc): void {
  const current = tf.getKernel(kernelName, 'wasm');
  if (current === undefined || current === replaced.get(kernelName)?.replacement) return;
  tf.unregisterKernel(kernelName, 'wasm');
  const replacement: tf.KernelConfig = {
    kernelName,
    backendName: 'wasm',
    kernelFunc,
    ...(current.setupFunc === undefined ? {} : { setupFunc: current.setupFunc }),
  };
  tf.registerKernel(replacement);
  replaced.set(kernelName, { stock: current, replacement });
}

/**
 * The wasm backend's own `kernelName` kernel that {@link replaceWasmKernel} replaced, for the
 * calls a replacement passes on.
 *
 * @example
 * ```ts
 * return stockWasmKernel(tf.BatchMatMul).kernelFunc(args) as tf.TensorInfo;
 * ```
 */
export function stockWasmKernel(kernelName: string): tf.KernelConfig {
  const entry = replaced.get(kernelName);
  if (entry === undefined) throw new WhittleError('backend-unavailable', `the wasm backend's own ${kernelName} kernel was not kept`, { field: 'backend' });
  return entry.stock;
}

/** The attributes tfjs passes the two convolution gradient kernels, besides the shape each is given. */
export interface ConvolutionGradientAttributes {
  readonly strides: number | [number, number];
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dataFormat?: 'NHWC' | 'NCHW';
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The geometry of a channels-last convolution's gradient: tfjs's `computeConv2DInfo` for its
 * padding, with the output size taken from dy itself (tfjs sizes a numeric pad's output width
 * with the height's stride).
 *
 * @example
 * ```ts
 * const info = convolutionGradientInfo(x.shape, filterShape, dy.shape, attrs);
 * ```
 */
export function convolutionGradientInfo(
  inputShape: readonly number[],
  filterShape: readonly number[],
  dyShape: readonly number[],
  attributes: ConvolutionGradientAttributes,
): tf.backend_util.Conv2DInfo {
  const { strides, pad, dimRoundingMode } = attributes;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  return { ...info, outHeight: dyShape[1]!, outWidth: dyShape[2]! };
}
