import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `work` (training that convolves) on the current backend even when that backend has no
 * `Conv2DBackpropFilter` kernel, as tfjs's wasm backend has none: for the duration of `work`,
 * Conv2D's gradient computes the filter gradient with the backend's `Conv3DBackpropFilterV2`
 * kernel over a depth of one (the same sums), for channels-last convolutions of stride 1, no
 * dilation and `valid` or `same` padding; any other convolution, and the input gradient, keep
 * tfjs's own gradient. The gradient tfjs had is put back afterwards, whatever happens.
 *
 * @example
 * ```ts
 * const model = await withConvolutionGradients(() => network.fit(images, labels, { epochs: 1 }));
 * ```
 */
export async function withConvolutionGradients<Result>(work: () => Promise<Result>): Promise<Result> {
  const backend = tf.getBackend();
  const original = tf.getGradient(tf.Conv2D);
  if (
    original === undefined ||
    tf.getKernel(tf.Conv2DBackpropFilter, backend) !== undefined ||
    tf.getKernel(tf.Conv3DBackpropFilterV2, backend) === undefined
  ) {
    return work();
  }
  tf.registerGradient({
    ...original,
    gradFunc: (dy, saved, attributes) => {
      const gradients = original.gradFunc(dy, saved, attributes);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { strides, pad, dataFormat, dilations } = attributes as unknown as tf.Conv2DAttrs;
      const ones = (steps: number | readonly number[] | undefined) => steps === undefined || [steps].flat().every((step) => step === 1);
      // wasm's 3-D kernel disagrees with tfjs's 2-D gradient on strided `same` padding: stride 1 only.
      if (dataFormat !== 'NHWC' || !ones(dilations) || !ones(strides) || (pad !== 'valid' && pad !== 'same')) return gradients;
      return {
        ...gradients,
        filter: () =>
          tf.tidy(() => {
            const sums = tf.engine().runKernel(
              tf.Conv3DBackpropFilterV2,
              { x: tf.expandDims(x, 1), dy: tf.expandDims(dy as tf.Tensor4D, 1) },
              { strides: [1, 1, 1], pad, filterShape: [1, ...filter.shape] } as unknown as tf.NamedAttrMap,
            ) as tf.Tensor;
            return tf.reshape(sums, filter.shape);
          }),
      };
    },
  });
  try {
    return await work();
  } finally {
    tf.registerGradient(original);
  }
}
