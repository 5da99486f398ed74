/**
 * The Hessians calibrated rounding needs, from the activations a kernel's layer reads, batch by
 * batch: a Dense or MatMul layer's inputs as they are; a convolution's as im2col patches (the
 * window's values at each output position, in the kernel's `[kh, kw, in]` order, zeros where
 * the window hangs over the padding); a depthwise convolution's as one `kh·kw` patch per input
 * channel, each channel its own small Hessian.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, toFloat32, type CalibrationBatch, type HostTensor } from '@whittle/core';
import { createHessianAccumulator, type Hessian } from '../gptq/hessian.ts';
import type { KernelGeometry, WindowGeometry } from './kernel-geometry.ts';

/** Streams a layer's input activations into the Hessians of its kernel's matrices (see `KernelMatrices`). */
export interface KernelHessians {
  /** Adds one batch of the layer's input activations (`[..., in]`, or NHWC for a convolution). */
  add(activations: CalibrationBatch): Promise<void>;
  /** One Hessian per matrix: one for a Dense or convolution kernel, one per input channel for a depthwise one. */
  result(): Hessian[];
}

/**
 * Output positions of a convolution sampled per image: enough for a Hessian of a few thousand
 * inputs, few enough that XᵀX stays cheap on wide layers with large feature maps.
 */
export const PATCHES_PER_IMAGE = 1024;

/**
 * A {@link KernelHessians} for a kernel of `shape` whose layer reads its input as `geometry` says.
 *
 * @example
 * ```ts
 * const hessians = createKernelHessians({ kind: 'conv2d', kernel: [3, 3], strides: [1, 1], dilations: [1, 1], padding: 'same' }, [3, 3, 8, 16]);
 * await hessians.add(activations); // [batch, height, width, 8]
 * const [hessian] = hessians.result(); // [72, 72]
 * ```
 */
export function createKernelHessians(geometry: KernelGeometry, shape: readonly number[]): KernelHessians {
  if (geometry.kind === 'dense') {
    const accumulator = createHessianAccumulator(geometry.outputsFirst ? shape[1] : shape[0]);
    return { add: (activations) => accumulator.add(activations), result: () => [accumulator.result()] };
  }
  const channels = shape[2]!;
  if (geometry.kind === 'conv2d') {
    const accumulator = createHessianAccumulator(shape[0]! * shape[1]! * channels);
    return {
      async add(activations) {
        const patches = im2colPatches(await hostActivations(activations, channels), geometry);
        if (patches.shape[0] === 0) return;
        await accumulator.add(patches);
      },
      result: () => [accumulator.result()],
    };
  }
  const taps = shape[0]! * shape[1]!;
  const sums = new Float64Array(channels * taps * taps);
  let samples = 0;
  return {
    async add(activations) {
      const patches = im2colPatches(await hostActivations(activations, channels), geometry);
      const count = patches.shape[0]!;
      const width = taps * channels;
      const data = patches.data;
      // Patch values are laid out [tap, channel]: channel c's taps are every `channels`-th value.
      for (let sample = 0; sample < count; sample++) {
        const row = sample * width;
        for (let channel = 0; channel < channels; channel++) {
          const block = channel * taps * taps;
          for (let i = 0; i < taps; i++) {
            const left = data[row + i * channels + channel]!;
            if (left === 0) continue;
            for (let j = 0; j < taps; j++) sums[block + i * taps + j]! += left * data[row + j * channels + channel]!;
          }
        }
      }
      samples += count;
    },
    result() {
      if (samples === 0) throw new WhittleError('invalid-argument', 'the calibration data holds no samples', { field: 'calibration' });
      return Array.from({ length: channels }, (_, channel) => {
        const matrix = new Float64Array(taps * taps);
        for (let index = 0; index < matrix.length; index++) matrix[index] = (2 / samples) * sums[channel * taps * taps + index]!;
        return { kind: 'hessian', inputs: taps, samples, matrix: { dtype: 'float64', shape: [taps, taps], data: matrix } } satisfies Hessian;
      });
    },
  };
}

/** A convolution's input batch on the host, checked: NHWC with `channels` channels, every value finite. */
export function hostActivations(activations: CalibrationBatch, channels: number): Promise<HostTensor<'float32'>> {
  return checkedHost(activations, (shape) =>
    shape.length !== 4 || shape[3] !== channels ? `a convolution's inputs are [batch, height, width, ${channels}], got [${shape.join(', ')}]` : undefined,
  );
}

/**
 * The rows a kernel of `shape` multiplies in one calibration batch, checked: a Dense or MatMul
 * layer's input vectors (`[..., in]`, flattened), or a convolution's im2col patches (see
 * {@link im2colPatches}), `kh·kw·in` values each.
 *
 * @example
 * ```ts
 * const rows = await kernelInputRows(inputs, { kind: 'dense', outputsFirst: false }, [64, 32]); // 64 values per row
 * ```
 */
export async function kernelInputRows(activations: CalibrationBatch, geometry: KernelGeometry, shape: readonly number[]): Promise<Float32Array> {
  if (geometry.kind !== 'dense') return im2colPatches(await hostActivations(activations, shape[2]!), geometry).data;
  const width = geometry.outputsFirst ? shape[1]! : shape[0]!;
  const host = await checkedHost(activations, (given) =>
    given.length === 0 || given.at(-1) !== width ? `a Dense layer's inputs end in ${width} features, got [${given.join(', ')}]` : undefined,
  );
  return host.data;
}

/** A calibration batch on the host as float32: `shapeError` says what is wrong with its shape, if anything; every value must be finite. */
async function checkedHost(activations: CalibrationBatch, shapeError: (shape: readonly number[]) => string | undefined): Promise<HostTensor<'float32'>> {
  const host: HostTensor<'float32'> =
    activations instanceof tf.Tensor
      ? { dtype: 'float32', shape: [...activations.shape], data: Float32Array.from(await activations.data()) }
      : toFloat32(activations);
  const problem = shapeError(host.shape);
  if (problem !== undefined) throw new WhittleError('invalid-argument', problem, { field: 'calibration' });
  for (let index = 0; index < host.data.length; index++) {
    if (!Number.isFinite(host.data[index]!)) throw new WhittleError('invalid-argument', 'a calibration batch holds NaN or infinite values', { field: 'calibration' });
  }
  return host;
}

/**
 * The im2col patches of an NHWC input under `window`: `[samples, kh·kw·channels]`, one row per
 * sampled output position (at most {@link PATCHES_PER_IMAGE} per image, evenly spread), values
 * in `[kh, kw, channel]` order, zero over the padding.
 *
 * @example
 * ```ts
 * const patches = im2colPatches(input, { kernel: [3, 3], strides: [1, 1], dilations: [1, 1], padding: 'same' });
 * ```
 */
export function im2colPatches(input: HostTensor<'float32'>, window: WindowGeometry): HostTensor<'float32'> {
  const [batch, height, width, channels] = input.shape as [number, number, number, number];
  const [kernelHeight, kernelWidth] = window.kernel;
  const [strideY, strideX] = window.strides;
  const [dilationY, dilationX] = window.dilations;
  const rows = outputExtent(height, kernelHeight, strideY, dilationY, window.padding, 0);
  const columns = outputExtent(width, kernelWidth, strideX, dilationX, window.padding, 2);
  const positions = rows.count * columns.count;
  const perImage = Math.min(positions, PATCHES_PER_IMAGE);
  const patchWidth = kernelHeight * kernelWidth * channels;
  const data = new Float32Array(batch * perImage * patchWidth);
  let row = 0;
  for (let image = 0; image < batch; image++) {
    for (let sample = 0; sample < perImage; sample++) {
      const position = Math.floor(((sample + 0.5) * positions) / perImage);
      const top = Math.floor(position / columns.count) * strideY - rows.before;
      const left = (position % columns.count) * strideX - columns.before;
      let offset = row * patchWidth;
      for (let ky = 0; ky < kernelHeight; ky++) {
        const y = top + ky * dilationY;
        for (let kx = 0; kx < kernelWidth; kx++) {
          const x = left + kx * dilationX;
          if (y >= 0 && y < height && x >= 0 && x < width) {
            const source = ((image * height + y) * width + x) * channels;
            data.set(input.data.subarray(source, source + channels), offset);
          }
          offset += channels;
        }
      }
      row++;
    }
  }
  return { dtype: 'float32', shape: [row, patchWidth], data };
}

/** Output positions along one axis and the padding before the first, as TensorFlow computes them. */
function outputExtent(length: number, kernel: number, stride: number, dilation: number, padding: WindowGeometry['padding'], side: 0 | 2): { count: number; before: number } {
  const span = dilation * (kernel - 1) + 1;
  if (padding === 'same') {
    const count = Math.ceil(length / stride);
    const total = Math.max((count - 1) * stride + span - length, 0);
    return { count, before: Math.floor(total / 2) };
  }
  const [before, after] = padding === 'valid' ? [0, 0] : [padding.explicit[side]!, padding.explicit[side + 1]!];
  const padded = length + before + after;
  return { count: padded < span ? 0 : Math.floor((padded - span) / stride) + 1, before };
}
