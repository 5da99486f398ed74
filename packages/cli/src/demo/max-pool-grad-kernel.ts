/**
 * Replaces the wasm backend's `MaxPoolGrad` with a JS pass over the backend's heap: for each
 * pooling window and channel, the gradient goes to the window's first largest input (row-major
 * order, as tfjs's cpu backend chooses). The stock kernel visits every input pixel and every
 * window that could hold it; for LeNet-5's first pool at batch 100 it took about 30 ms a step
 * on 2 cores, this pass a few.
 */
import * as tf from '@tensorflow/tfjs-core';
import { replaceWasmKernel, wasmHeapBackend } from './wasm-kernel-calls.ts';

/** The attributes tfjs passes a `MaxPoolGrad` kernel. */
interface MaxPoolGradientAttributes {
  readonly filterSize: number | [number, number];
  readonly strides: number | [number, number];
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * Swaps in the JS `MaxPoolGrad` on the wasm backend when it is registered; nothing otherwise,
 * and nothing the second time. Any window, stride and padding.
 *
 * @example
 * ```ts
 * registerWasmMaxPoolGradKernel();
 * tf.grad((x) => tf.sum(tf.maxPool(x, 2, 2, 'valid')))(images);
 * ```
 */
export function registerWasmMaxPoolGradKernel(): void {
  replaceWasmKernel(tf.MaxPoolGrad, firstMaximumPoolGradient);
}

function firstMaximumPoolGradient({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { dy, input } = inputs as unknown as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradientAttributes;
  const heap = wasmHeapBackend(backend, tf.MaxPoolGrad);
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const gradient = heap.makeOutput([...input.shape], 'float32');
  // Views after the last allocation: a heap growth detaches earlier ones.
  const gradientValues = heap.typedArrayFromHeap(gradient);
  gradientValues.fill(0);
  // The window count is dy's own, as the forward pass made it.
  scatterToMaxima(heap.typedArrayFromHeap(input), heap.typedArrayFromHeap(dy), gradientValues, { ...info, outHeight: dy.shape[1]!, outWidth: dy.shape[2]! });
  return gradient;
}

function scatterToMaxima(input: Float32Array, dy: Float32Array, gradient: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
  let window = 0;
  for (let image = 0; image < batchSize; image++) {
    for (let outRow = 0; outRow < outHeight; outRow++) {
      const firstRow = Math.max(0, outRow * strideHeight - padInfo.top);
      const endRow = Math.min(inHeight, outRow * strideHeight - padInfo.top + filterHeight);
      for (let outColumn = 0; outColumn < outWidth; outColumn++) {
        const firstColumn = Math.max(0, outColumn * strideWidth - padInfo.left);
        const endColumn = Math.min(inWidth, outColumn * strideWidth - padInfo.left + filterWidth);
        for (let channel = 0; channel < inChannels; channel++, window++) {
          let best = Number.NEGATIVE_INFINITY;
          let bestIndex = -1;
          for (let row = firstRow; row < endRow; row++) {
            for (let column = firstColumn; column < endColumn; column++) {
              const index = ((image * inHeight + row) * inWidth + column) * inChannels + channel;
              const value = input[index]!;
              if (value > best) {
                best = value;
                bestIndex = index;
              }
            }
          }
          if (bestIndex >= 0) gradient[bestIndex]! += dy[window]!;
        }
      }
    }
  }
}
