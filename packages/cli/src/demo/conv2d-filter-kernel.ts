/**
 * Registers a `Conv2DBackpropFilter` kernel on tfjs's wasm backend, which has none. Core wraps
 * Conv2D's registered gradient for this, but tfjs-layers trains a Conv2D layer without an
 * activation through `tf.fused.conv2d`, whose gradient is a `customGrad` that calls the filter
 * gradient kernel directly: only a kernel of that name reaches it. The kernel runs the backend's
 * own `Conv3DBackpropFilterV2` over a depth of one (a view of the same memory, no copy).
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '@whittle/core';

/** The attributes tfjs passes a `Conv2DBackpropFilter` kernel. */
interface FilterGradientAttributes {
  readonly strides: number | readonly [number, number];
  readonly pad: 'valid' | 'same' | number | unknown;
  readonly dataFormat?: 'NHWC' | 'NCHW';
  readonly dimRoundingMode?: string;
  readonly filterShape: readonly [number, number, number, number];
}

/**
 * Adds the kernel when the wasm backend is registered and lacks it; does nothing otherwise, and
 * nothing the second time. Stride 1, channels-last, `valid` or `same` padding (what LeNet-5's
 * layers use); any other call throws a `backend-unavailable` WhittleError naming what is not
 * supported rather than computing a wrong gradient.
 *
 * @example
 * ```ts
 * registerWasmConv2DFilterKernel();
 * await layers.fit(images, labels, { epochs: 1 }); // a Conv2D model now trains on wasm
 * ```
 */
export function registerWasmConv2DFilterKernel(): void {
  if (tf.getKernel(tf.Conv2DBackpropFilter, 'wasm') !== undefined) return;
  const conv3dFilter = tf.getKernel(tf.Conv3DBackpropFilterV2, 'wasm');
  if (conv3dFilter === undefined) return;
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dataFormat, filterShape } = attrs as unknown as FilterGradientAttributes;
      const stride = typeof strides === 'number' ? [strides, strides] : strides;
      if (stride[0] !== 1 || stride[1] !== 1 || (dataFormat !== undefined && dataFormat !== 'NHWC') || (pad !== 'valid' && pad !== 'same')) {
        throw new WhittleError(
          'backend-unavailable',
          `Conv2DBackpropFilter on wasm supports stride 1, NHWC and valid or same padding, got strides ${String(strides)}, pad ${String(pad)}; train this model on the cpu backend`,
          { field: 'strides' },
        );
      }
      // The same memory read as [batch, 1, height, width, channels]: a depth of one.
      const deep = (info: tf.TensorInfo): tf.TensorInfo => ({ dataId: info.dataId, shape: [info.shape[0]!, 1, ...info.shape.slice(1)], dtype: info.dtype });
      const gradient = conv3dFilter.kernelFunc({
        inputs: { x: deep(x), dy: deep(dy) } as unknown as tf.NamedTensorInfoMap,
        backend,
        attrs: { strides: [1, 1, 1], pad, filterShape: [1, ...filterShape] } as unknown as tf.NamedAttrMap,
      }) as tf.TensorInfo;
      return { dataId: gradient.dataId, shape: [...filterShape], dtype: 'float32' };
    },
  });
}
