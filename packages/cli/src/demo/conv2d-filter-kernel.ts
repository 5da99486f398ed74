/**
 * Registers a `Conv2DBackpropFilter` kernel on tfjs's wasm backend, which has none. Core wraps
 * Conv2D's registered gradient for this, but tfjs-layers trains a Conv2D layer without an
 * activation through `tf.fused.conv2d`, whose gradient is a `customGrad` that calls the filter
 * gradient kernel directly: only a kernel of that name reaches it. The kernel is im2col and one
 * matrix product: a JS pass gathers, for every filter tap and input channel, the input values
 * that tap saw at each output position into one row of a [taps · inChannels, positions] matrix,
 * and the backend's BatchMatMul (XNNPACK) multiplies it, untransposed, by dy as
 * [positions, outChannels], which is the filter's own [kh, kw, in, out] layout. One product in
 * place of a slice and a transposed product per tap: about ten times faster for LeNet-5's conv2.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '@whittle/core';
import { asShape, convolutionGradientInfo, release, runWasmKernel, wasmHeapBackend, type ConvolutionGradientAttributes } from './wasm-kernel-calls.ts';

/** The attributes tfjs passes a `Conv2DBackpropFilter` kernel. */
interface FilterGradientAttributes extends ConvolutionGradientAttributes {
  readonly filterShape: [number, number, number, number];
}

/**
 * Adds the kernel when the wasm backend is registered and lacks it; does nothing otherwise, and
 * nothing the second time. Channels-last, any stride and padding (valid, same, a number or
 * explicit); a channels-first call throws a `backend-unavailable` WhittleError rather than
 * computing a wrong gradient.
 *
 * @example
 * ```ts
 * registerWasmConv2DFilterKernel();
 * await layers.fit(images, labels, { epochs: 1 }); // a Conv2D model now trains on wasm
 * ```
 */
export function registerWasmConv2DFilterKernel(): void {
  if (tf.getKernel(tf.Conv2DBackpropFilter, 'wasm') !== undefined) return;
  if (tf.getKernel(tf.BatchMatMul, 'wasm') === undefined) return;
  tf.registerKernel({ kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: im2colFilterGradient });
}

function im2colFilterGradient({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attributes = attrs as unknown as FilterGradientAttributes;
  const { dataFormat, filterShape } = attributes;
  if (dataFormat === 'NCHW') {
    throw new WhittleError('backend-unavailable', 'Conv2DBackpropFilter on wasm supports channels-last (NHWC) only, got NCHW; train this model on the cpu backend', {
      field: 'dataFormat',
    });
  }
  const heap = wasmHeapBackend(backend, tf.Conv2DBackpropFilter);
  const info = convolutionGradientInfo(x.shape, filterShape, dy.shape, attributes);
  const { batchSize, outHeight, outWidth, outChannels, inChannels, filterHeight, filterWidth } = info;
  const positions = batchSize * outHeight * outWidth;
  const tapValues = filterHeight * filterWidth * inChannels;
  const temporaries: tf.TensorInfo[] = [];
  try {
    const columns = heap.makeOutput([1, tapValues, positions], 'float32');
    temporaries.push(columns);
    // Views after the last allocation: a heap growth detaches earlier ones.
    im2colRows(heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(columns), info);
    const product = runWasmKernel('BatchMatMul', { a: columns, b: asShape(dy, [1, positions, outChannels]) }, { transposeA: false, transposeB: false }, backend);
    return asShape(product, filterShape);
  } finally {
    release(backend, temporaries);
  }
}

/**
 * Writes row (tapRow · kw + tapColumn) · in + channel of `columns` ([kh · kw · in, positions]):
 * the input value under that tap and channel at each output position, 0 where the tap falls
 * in the padding.
 */
function im2colRows(input: Float32Array, columns: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
  let target = 0;
  for (let tapRow = 0; tapRow < filterHeight; tapRow++) {
    for (let tapColumn = 0; tapColumn < filterWidth; tapColumn++) {
      for (let channel = 0; channel < inChannels; channel++) {
        for (let image = 0; image < batchSize; image++) {
          for (let outRow = 0; outRow < outHeight; outRow++) {
            const row = outRow * strideHeight - padInfo.top + tapRow;
            if (row < 0 || row >= inHeight) {
              columns.fill(0, target, target + outWidth);
              target += outWidth;
              continue;
            }
            const rowStart = (image * inHeight + row) * inWidth;
            for (let outColumn = 0; outColumn < outWidth; outColumn++) {
              const column = outColumn * strideWidth - padInfo.left + tapColumn;
              columns[target++] = column >= 0 && column < inWidth ? input[(rowStart + column) * inChannels + channel]! : 0;
            }
          }
        }
      }
    }
  }
}
