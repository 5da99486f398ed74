/**
 * Replaces the wasm backend's `Conv2DBackpropInput` (a direct loop, about 0.2 s for one
 * gradient of LeNet-5's conv2 at batch 100 on 2 cores) with the im2col form: one matrix product
 * of dy, as [positions, outChannels], by the filter transposed to [outChannels, taps · inChannels]
 * on the backend's BatchMatMul (XNNPACK), then a col2im pass in JS that adds each position's
 * row of tap contributions into the input pixels the tap covered. For conv2 that is about a
 * tenth of the time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asShape, release, runWasmKernel, wasmHeapBackend } from './wasm-kernel-calls.ts';

/** The wasm backend's own kernel, kept for channels-first calls, which the col2im pass does not cover. */
let stockKernel: tf.KernelConfig | undefined;

/** The config registered in its place. */
let replacement: tf.KernelConfig | undefined;

/** The attributes tfjs passes a `Conv2DBackpropInput` kernel. */
interface InputGradientAttributes {
  readonly strides: number | [number, number];
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dataFormat?: 'NHWC' | 'NCHW';
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
  readonly inputShape: [number, number, number, number];
}

/**
 * Swaps in the im2col `Conv2DBackpropInput` on the wasm backend when it is registered; nothing
 * otherwise, and nothing the second time. Any stride and padding (valid, same, a number or
 * explicit); channels-first calls go to the backend's own kernel.
 *
 * @example
 * ```ts
 * registerWasmConv2DInputKernel();
 * tf.conv2dTranspose(dy, filter, [100, 12, 12, 20], 1, 'valid'); // one product and a col2im pass
 * ```
 */
export function registerWasmConv2DInputKernel(): void {
  const current = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
  // By the config object, not its function: a profiler may wrap the function in place.
  if (current === undefined || current === replacement) return;
  stockKernel = current;
  tf.unregisterKernel(tf.Conv2DBackpropInput, 'wasm');
  replacement = {
    kernelName: tf.Conv2DBackpropInput,
    backendName: 'wasm',
    kernelFunc: im2colInputGradient,
    ...(current.setupFunc === undefined ? {} : { setupFunc: current.setupFunc }),
  };
  tf.registerKernel(replacement);
}

function im2colInputGradient(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as InputGradientAttributes;
  if (dataFormat === 'NCHW') return stockKernel!.kernelFunc(args) as tf.TensorInfo;
  const heap = wasmHeapBackend(backend, tf.Conv2DBackpropInput);
  // The output size is dy's own: tfjs's computeConv2DInfo sizes a numeric pad's output width with
  // the height's stride, so only its padding is taken.
  const info = { ...tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode), outHeight: dy.shape[1]!, outWidth: dy.shape[2]! };
  const { batchSize, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const positions = batchSize * outHeight * outWidth;
  const tapValues = filterHeight * filterWidth * inChannels;
  const temporaries: tf.TensorInfo[] = [];
  try {
    // [kh, kw, in, out] → [out, kh, kw, in]: the untransposed right operand of dy · filterᵀ.
    const filterRows = runWasmKernel('Transpose', { x: filter }, { perm: [3, 0, 1, 2] }, backend);
    temporaries.push(filterRows);
    const columns = runWasmKernel(
      'BatchMatMul',
      { a: asShape(dy, [1, positions, outChannels]), b: asShape(filterRows, [1, outChannels, tapValues]) },
      { transposeA: false, transposeB: false },
      backend,
    );
    temporaries.push(columns);
    const gradient = heap.makeOutput([...inputShape], 'float32');
    // Views after the last allocation: a heap growth detaches earlier ones.
    const columnValues = heap.typedArrayFromHeap(columns);
    const gradientValues = heap.typedArrayFromHeap(gradient);
    gradientValues.fill(0);
    col2imAdd(columnValues, gradientValues, info);
    return gradient;
  } finally {
    release(backend, temporaries);
  }
}

/**
 * Adds each output position's row of tap values (`columns`, [positions, kh · kw · in]) into the
 * input pixels under that tap: the transpose of im2col's gather.
 */
function col2imAdd(columns: Float32Array, gradient: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
  let source = 0;
  for (let image = 0; image < batchSize; image++) {
    for (let outRow = 0; outRow < outHeight; outRow++) {
      for (let outColumn = 0; outColumn < outWidth; outColumn++) {
        for (let tapRow = 0; tapRow < filterHeight; tapRow++) {
          const row = outRow * strideHeight - padInfo.top + tapRow;
          if (row < 0 || row >= inHeight) {
            source += filterWidth * inChannels;
            continue;
          }
          for (let tapColumn = 0; tapColumn < filterWidth; tapColumn++) {
            const column = outColumn * strideWidth - padInfo.left + tapColumn;
            if (column >= 0 && column < inWidth) {
              const target = ((image * inHeight + row) * inWidth + column) * inChannels;
              for (let channel = 0; channel < inChannels; channel++) gradient[target + channel]! += columns[source + channel]!;
            }
            source += inChannels;
          }
        }
      }
    }
  }
}
