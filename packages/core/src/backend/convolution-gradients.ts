/**
 * Convolution gradients on backends without the kernels tfjs's own gradients call (tfjs's wasm
 * backend has no `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter` or
 * `DepthwiseConv2dNativeBackpropInput`, so training a convolutional or depthwise-separable model
 * on wasm, the default backend, fails with "kernel not found").
 * - Conv2D's filter gradient comes from the backend's `Conv3DBackpropFilterV2` kernel over a depth
 *   of one, on the input padded explicitly.
 * - DepthwiseConv2D's filter gradient is a sum over the kernel's offsets of the strided input
 *   window times dy; its input gradient a stride-1 depthwise convolution (a kernel wasm has) of dy
 *   spread out by the stride and padded, with the filter flipped, once per channel multiplier.
 * Every stride and `valid`/`same` padding agrees with tfjs's own gradients. (Numeric padding and
 * dilation are left to tfjs: its wasm kernels mishandle the one and the gradients lack the other.)
 */
import * as tf from '@tensorflow/tfjs-core';

/** Marks the gradient this module registers, so it is registered once and recognised. */
const WRAPPED = Symbol.for('whittle.conv2dFilterGradient');
const DEPTHWISE_WRAPPED = Symbol.for('whittle.depthwiseConv2dGradients');

type MarkedGradient = tf.GradConfig & { readonly [WRAPPED]?: true; readonly [DEPTHWISE_WRAPPED]?: true };

/**
 * Makes Conv2D's registered gradient compute the filter gradient with `Conv3DBackpropFilterV2`
 * whenever the active backend lacks `Conv2DBackpropFilter` but has the 3-D kernel, for
 * channels-last convolutions without dilation with `valid` or `same` padding (what Keras layers
 * use), any stride;
 * everything else, and every backend that has the 2-D kernel, keeps tfjs's own gradient. Does
 * nothing until tfjs's gradients are registered, and nothing the second time.
 *
 * @example
 * ```ts
 * await loadGradients(); // calls this
 * await useBackend('wasm');
 * tf.grad((kernel) => tf.sum(tf.conv2d(images, kernel, 2, 'same')))(filters); // works on wasm
 * ```
 */
export function registerConvolutionGradients(): void {
  registerConv2DGradient();
  registerDepthwiseGradients();
}

function registerConv2DGradient(): void {
  const original = tf.getGradient(tf.Conv2D) as MarkedGradient | undefined;
  if (original === undefined || original[WRAPPED] === true) return;
  const wrapped: MarkedGradient = {
    ...original,
    [WRAPPED]: true,
    gradFunc: (dy, saved, attributes) => {
      const gradients = original.gradFunc(dy, saved, attributes);
      const backend = tf.getBackend();
      if (tf.getKernel(tf.Conv2DBackpropFilter, backend) !== undefined || tf.getKernel(tf.Conv3DBackpropFilterV2, backend) === undefined) {
        return gradients;
      }
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { strides, pad, dataFormat, dilations } = attributes as unknown as tf.Conv2DAttrs;
      const padding = paddingOf(x.shape, filter.shape, pair(strides), pad);
      if (dataFormat !== 'NHWC' || !pair(dilations).every((step) => step === 1) || padding === undefined) return gradients;
      const [strideHeight, strideWidth] = pair(strides);
      return {
        ...gradients,
        filter: () =>
          tf.tidy(() => {
            // The backend's 3-D kernel is used at stride 1 only: a strided filter gradient is the
            // stride-1 one of the padded input with dy spread out by zeros between its positions.
            const [outputHeight, outputWidth] = [(dy as tf.Tensor4D).shape[1], (dy as tf.Tensor4D).shape[2]];
            const spanHeight = (outputHeight - 1) * strideHeight + filter.shape[0];
            const spanWidth = (outputWidth - 1) * strideWidth + filter.shape[1];
            const padded = tf.slice(tf.pad(x, [[0, 0], padding[0], padding[1], [0, 0]]), [0, 0, 0, 0], [-1, spanHeight, spanWidth, -1]);
            const spread = spreadOut(dy as tf.Tensor4D, strideHeight, strideWidth);
            const sums = tf.engine().runKernel(tf.Conv3DBackpropFilterV2, { x: tf.expandDims(padded, 1), dy: tf.expandDims(spread, 1) }, {
              strides: [1, 1, 1],
              pad: 'valid',
              filterShape: [1, ...filter.shape],
            } as unknown as tf.NamedAttrMap) as tf.Tensor;
            return tf.reshape(sums, filter.shape);
          }),
      };
    },
  };
  tf.registerGradient(wrapped);
}

/**
 * DepthwiseConv2dNative's gradient through kernels every backend has (slices, products, sums and
 * the forward depthwise convolution) whenever the active backend lacks
 * `DepthwiseConv2dNativeBackpropFilter`, for channels-last convolutions without dilation with
 * `valid` or `same` padding, any stride and channel multiplier.
 */
function registerDepthwiseGradients(): void {
  const original = tf.getGradient(tf.DepthwiseConv2dNative) as MarkedGradient | undefined;
  if (original === undefined || original[DEPTHWISE_WRAPPED] === true) return;
  const wrapped: MarkedGradient = {
    ...original,
    [DEPTHWISE_WRAPPED]: true,
    gradFunc: (dy, saved, attributes) => {
      const backend = tf.getBackend();
      if (tf.getKernel(tf.DepthwiseConv2dNativeBackpropFilter, backend) !== undefined) return original.gradFunc(dy, saved, attributes);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { strides, pad, dataFormat, dilations } = attributes as unknown as tf.DepthwiseConv2dNativeAttrs;
      const stride = pair(strides);
      const padding = paddingOf(x.shape, filter.shape, stride, pad);
      if ((dataFormat !== undefined && dataFormat !== 'NHWC') || !pair(dilations).every((step) => step === 1) || padding === undefined) {
        return original.gradFunc(dy, saved, attributes);
      }
      const gradient = dy as tf.Tensor4D;
      return {
        x: () => tf.tidy(() => depthwiseInputGradient(x.shape, gradient, filter, stride, padding)),
        filter: () => tf.tidy(() => depthwiseFilterGradient(x, gradient, filter.shape, stride, padding)),
      };
    },
  };
  tf.registerGradient(wrapped);
}

type Padding = [[number, number], [number, number]];

/**
 * d/dfilter of a depthwise convolution: for each kernel offset (i, j), the sum over the batch and
 * the output positions of the input at (i + y·stride, j + x·stride) times dy, per channel and
 * multiplier.
 */
function depthwiseFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: readonly number[], [strideHeight, strideWidth]: [number, number], padding: Padding): tf.Tensor4D {
  const [kernelHeight, kernelWidth, channels, multiplier] = filterShape as [number, number, number, number];
  const [batch, outputHeight, outputWidth] = dy.shape;
  const padded = tf.pad(x, [[0, 0], padding[0], padding[1], [0, 0]]);
  const perChannel = tf.reshape(dy, [batch, outputHeight, outputWidth, channels, multiplier]);
  const offsets: tf.Tensor[] = [];
  for (let row = 0; row < kernelHeight; row++) {
    for (let column = 0; column < kernelWidth; column++) {
      const window = tf.stridedSlice(
        padded,
        [0, row, column, 0],
        [batch, row + (outputHeight - 1) * strideHeight + 1, column + (outputWidth - 1) * strideWidth + 1, channels],
        [1, strideHeight, strideWidth, 1],
      );
      offsets.push(tf.sum(tf.mul(tf.expandDims(window, 4), perChannel), [0, 1, 2]));
    }
  }
  return tf.reshape(tf.stack(offsets), [kernelHeight, kernelWidth, channels, multiplier]);
}

/**
 * d/dx of a depthwise convolution: dy spread out by the stride, padded by the kernel size less
 * one before and to the padded input's size after, convolved (stride 1, valid) with the filter
 * flipped in both spatial axes, once per channel multiplier; then the padding cut away.
 */
function depthwiseInputGradient(inputShape: readonly number[], dy: tf.Tensor4D, filter: tf.Tensor4D, [strideHeight, strideWidth]: [number, number], padding: Padding): tf.Tensor4D {
  const [, height, width] = inputShape as [number, number, number, number];
  const [kernelHeight, kernelWidth, channels, multiplier] = filter.shape;
  const [batch, outputHeight, outputWidth] = dy.shape;
  const paddedHeight = height + padding[0][0] + padding[0][1];
  const paddedWidth = width + padding[1][0] + padding[1][1];
  const spread = spreadOut(dy, strideHeight, strideWidth);
  const [spreadHeight, spreadWidth] = [spread.shape[1], spread.shape[2]];
  const flipped = tf.reverse(filter, [0, 1]);
  const perChannel = tf.reshape(spread, [batch, spreadHeight, spreadWidth, channels, multiplier]);
  let sum: tf.Tensor4D | undefined;
  for (let copy = 0; copy < multiplier; copy++) {
    const part =
      multiplier === 1
        ? spread
        : (tf.reshape(tf.slice(perChannel, [0, 0, 0, 0, copy], [-1, -1, -1, -1, 1]), [batch, spreadHeight, spreadWidth, channels]) as tf.Tensor4D);
    const surrounded = tf.pad(part, [
      [0, 0],
      [kernelHeight - 1, paddedHeight - spreadHeight],
      [kernelWidth - 1, paddedWidth - spreadWidth],
      [0, 0],
    ]);
    const kernel = tf.slice(flipped, [0, 0, 0, copy], [-1, -1, -1, 1]) as tf.Tensor4D;
    const contribution = tf.depthwiseConv2d(surrounded, kernel, 1, 'valid');
    sum = sum === undefined ? contribution : (tf.add(sum, contribution) as tf.Tensor4D);
  }
  return tf.slice(sum!, [0, padding[0][0], padding[1][0], 0], [-1, height, width, -1]) as tf.Tensor4D;
}

/** `dy` with `strideHeight - 1` zero rows between its rows and `strideWidth - 1` zero columns between its columns. */
function spreadOut(dy: tf.Tensor4D, strideHeight: number, strideWidth: number): tf.Tensor4D {
  if (strideHeight === 1 && strideWidth === 1) return dy;
  const [batch, height, width, channels] = dy.shape;
  const grid = tf.pad(tf.reshape(dy, [batch, height, 1, width, 1, channels]), [
    [0, 0],
    [0, 0],
    [0, strideHeight - 1],
    [0, 0],
    [0, strideWidth - 1],
    [0, 0],
  ]);
  const full = tf.reshape(grid, [batch, height * strideHeight, width * strideWidth, channels]);
  return tf.slice(full, [0, 0, 0, 0], [-1, (height - 1) * strideHeight + 1, (width - 1) * strideWidth + 1, -1]) as tf.Tensor4D;
}

function pair(value: number | readonly number[] | null | undefined): [number, number] {
  // tfjs-layers passes `dilations: null` for the default.
  if (value === undefined || value === null) return [1, 1];
  if (typeof value === 'number') return [value, value];
  return [value[0] ?? 1, value[1] ?? value[0] ?? 1];
}

/** Rows and columns of padding (before, after) that turn the convolution into a `valid` one; undefined when unsupported. */
function paddingOf(
  input: readonly number[],
  filter: readonly number[],
  [strideHeight, strideWidth]: [number, number],
  pad: tf.Conv2DAttrs['pad']
): Padding | undefined {
  if (pad === 'valid')
    return [
      [0, 0],
      [0, 0],
    ];
  if (pad === 'same') return [same(input[1]!, filter[0]!, strideHeight), same(input[2]!, filter[1]!, strideWidth)];
  return undefined;
}

/** TensorFlow's `same` padding along one axis: the output has ceil(size / stride) positions. */
function same(size: number, kernel: number, stride: number): [number, number] {
  const outputs = Math.ceil(size / stride);
  const total = Math.max((outputs - 1) * stride + kernel - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}
