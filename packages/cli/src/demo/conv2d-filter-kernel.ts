/**
 * Registers a `Conv2DBackpropFilter` kernel on tfjs's wasm backend, which has none. Core wraps
 * Conv2D's registered gradient for this, but tfjs-layers trains a Conv2D layer without an
 * activation through `tf.fused.conv2d`, whose gradient is a `customGrad` that calls the filter
 * gradient kernel directly: only a kernel of that name reaches it. The kernel is the sum over the
 * filter's taps of one matrix product each: for tap (i, j), the input window shifted by (i, j),
 * as a [positions, inChannels] matrix, transposed times dy as [positions, outChannels]. Each
 * product runs on the backend's own BatchMatMul (XNNPACK), about three times the speed of
 * running the backend's direct 3-D filter gradient at depth one, which LeNet-5's training is
 * bound by.
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
  if (tf.getKernel(tf.BatchMatMul, 'wasm') === undefined) return;
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dataFormat, filterShape } = attrs as unknown as FilterGradientAttributes;
      const stride = typeof strides === 'number' ? [strides, strides] : strides;
      if (
        stride[0] !== 1 ||
        stride[1] !== 1 ||
        (dataFormat !== undefined && dataFormat !== 'NHWC') ||
        (pad !== 'valid' && pad !== 'same')
      ) {
        throw new WhittleError(
          'backend-unavailable',
          `Conv2DBackpropFilter on wasm supports stride 1, NHWC and valid or same padding, got strides ${String(strides)}, pad ${String(
            pad,
          )}; train this model on the cpu backend`,
          { field: 'strides' },
        );
      }
      const [kernelHeight, kernelWidth, inChannels, outChannels] = filterShape;
      const [batch, outHeight, outWidth] = dy.shape as [number, number, number, number];
      const positions = batch * outHeight * outWidth;
      const run = (name: string, inputs: Record<string, tf.TensorInfo>, attributes: Record<string, unknown>): tf.TensorInfo => {
        const kernel = tf.getKernel(name, 'wasm');
        if (kernel === undefined)
          throw new WhittleError('backend-unavailable', `the wasm backend has no ${name} kernel`, { field: 'backend' });
        return kernel.kernelFunc({
          inputs: inputs as unknown as tf.NamedTensorInfoMap,
          backend,
          attrs: attributes as tf.NamedAttrMap,
        }) as tf.TensorInfo;
      };
      const temporaries: tf.TensorInfo[] = [];
      const keep = (info: tf.TensorInfo): tf.TensorInfo => (temporaries.push(info), info);
      try {
        // 'same' at stride 1 pads (k - 1) in all, the smaller half before: as tfjs's forward pass.
        const padded =
          pad === 'same'
            ? keep(
                run(
                  'PadV2',
                  { x },
                  {
                    paddings: [
                      [0, 0],
                      [Math.floor((kernelHeight - 1) / 2), Math.ceil((kernelHeight - 1) / 2)],
                      [Math.floor((kernelWidth - 1) / 2), Math.ceil((kernelWidth - 1) / 2)],
                      [0, 0],
                    ],
                    constantValue: 0,
                  },
                ),
              )
            : x;
        const gradients = keep(run('Reshape', { x: dy }, { shape: [1, positions, outChannels] }));
        const taps: tf.TensorInfo[] = [];
        for (let row = 0; row < kernelHeight; row++) {
          for (let column = 0; column < kernelWidth; column++) {
            const window = keep(
              run('Slice', { x: padded }, { begin: [0, row, column, 0], size: [batch, outHeight, outWidth, inChannels] }),
            );
            const matrix = keep(run('Reshape', { x: window }, { shape: [1, positions, inChannels] }));
            taps.push(keep(run('BatchMatMul', { a: matrix, b: gradients }, { transposeA: true, transposeB: false })));
          }
        }
        // Concat takes its inputs as an array: taps in row-major order are the filter's layout.
        const stacked = run('Concat', taps as unknown as Record<string, tf.TensorInfo>, { axis: 0 });
        return { dataId: stacked.dataId, shape: [...filterShape], dtype: 'float32' };
      } finally {
        // Reshapes share their input's memory: each dataId is released once per reference.
        for (const info of temporaries) (backend as tf.KernelBackend).disposeData(info.dataId);
      }
    },
  });
}
