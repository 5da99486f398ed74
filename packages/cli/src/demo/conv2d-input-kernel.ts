/**
 * Replaces the wasm backend's `Conv2DBackpropInput` (a direct loop, about 0.2 s for one
 * gradient of LeNet-5's conv2 at batch 100 on 2 cores) with the im2col form: one matrix product
 * of dy, as [positions, outChannels], by the filter transposed to [outChannels, taps · inChannels]
 * on the backend's BatchMatMul (XNNPACK), then a col2im pass in JS that adds each position's
 * row of tap contributions into the input pixels the tap covered. For conv2 that is about a
 * tenth of the time.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  asShape,
  convolutionGradientInfo,
  release,
  replaceWasmKernel,
  runWasmKernel,
  stockWasmKernel,
  wasmHeapBackend,
  type ConvolutionGradientAttributes,
} from './wasm-kernel-calls.ts';

/** The attributes tfjs passes a `Conv2DBackpropInput` kernel. */
interface InputGradientAttributes extends ConvolutionGradientAttributes {
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
  replaceWasmKernel(tf.Conv2DBackpropInput, im2colInputGradient);
}

function im2colInputGradient(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attributes = attrs as unknown as InputGradientAttributes;
  const { dataFormat, inputShape } = attributes;
  // Channels-first calls go to the backend's own kernel, which the col2im pass does not cover.
  if (dataFormat === 'NCHW') return stockWasmKernel(tf.Conv2DBackpropInput).kernelFunc(args) as tf.TensorInfo;
  const heap = wasmHeapBackend(backend, tf.Conv2DBackpropInput);
  const info = convolutionGradientInfo(inputShape, filter.shape, dy.shape, attributes);
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
