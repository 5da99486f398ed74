/**
 * Conv2D's filter gradient on backends without a `Conv2DBackpropFilter` kernel (tfjs's wasm
 * backend has none, so training a convolutional model on wasm, the default backend, fails with
 * "kernel not found"). The same sums come from the backend's `Conv3DBackpropFilterV2` kernel over
 * a depth of one, on the input padded explicitly, so every stride and padding agrees with tfjs's
 * own 2-D gradient. (Numeric padding is left to tfjs: its wasm kernels mishandle it.)
 */
import * as tf from '@tensorflow/tfjs-core';

/** Marks the gradient this module registers, so it is registered once and recognised. */
const WRAPPED = Symbol.for('whittle.conv2dFilterGradient');

type MarkedGradient = tf.GradConfig & { readonly [WRAPPED]?: true };

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

function pair(value: number | readonly number[] | undefined): [number, number] {
  if (value === undefined) return [1, 1];
  if (typeof value === 'number') return [value, value];
  return [value[0] ?? 1, value[1] ?? value[0] ?? 1];
}

/** Rows and columns of padding (before, after) that turn the convolution into a `valid` one; undefined when unsupported. */
function paddingOf(
  input: readonly number[],
  filter: readonly number[],
  [strideHeight, strideWidth]: [number, number],
  pad: tf.Conv2DAttrs['pad']
): [[number, number], [number, number]] | undefined {
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
