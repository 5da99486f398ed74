/**
 * Input norms of a Conv2D layer seen as the matrix product it is: each output position reads a
 * patch of `kh · kw · in` values (im2col), so the kernel `[kh, kw, in, out]` is a Dense kernel
 * `[kh · kw · in, out]` and input feature (dy, dx, c) is the value at that offset of every patch,
 * zero padding included. Its norm sums the squares of the input pixels each offset reads, so the
 * layer's strides, padding and dilation decide it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, describeValue, toFloat32, validateHostTensor, type CalibrationBatch } from '@whittle/core';
import type { InputNormAccumulator } from './input-norms.ts';

/** How a Conv2D layer slides its kernel over `[batch, height, width, channels]` inputs. */
export interface ConvGeometry {
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  readonly padding: 'same' | 'valid';
}

/**
 * An accumulator of the norms of a Conv2D layer's im2col features, `kh · kw · in` of them in the
 * kernel's row-major order (the rows of the kernel flattened to `[kh · kw · in, out]`), from
 * batches of the layer's inputs `[batch, height, width, in]` (channels last).
 *
 * @example
 * ```ts
 * const accumulator = createConvInputNormAccumulator([3, 3, 16, 32], { strides: [1, 1], dilations: [1, 1], padding: 'same' });
 * await accumulator.add(activations); // [batch, 28, 28, 16]
 * accumulator.result().length; // 144
 * ```
 */
export function createConvInputNormAccumulator(kernelShape: readonly number[], geometry: ConvGeometry): InputNormAccumulator {
  const [kernelHeight, kernelWidth, channels] = kernelShape as [number, number, number, number];
  if (kernelShape.length !== 4 || !kernelShape.every((size) => Number.isSafeInteger(size) && size >= 1)) {
    throw new WhittleError('invalid-argument', `a Conv2D kernel is [kh, kw, in, out], got ${describeValue(kernelShape)}`, { field: 'kernelShape' });
  }
  const positive = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= 2 ** 16;
  if (![...geometry.strides, ...geometry.dilations].every(positive) || !['same', 'valid'].includes(geometry.padding)) {
    throw new WhittleError('invalid-argument', `unsupported Conv2D geometry ${describeValue(geometry)}`, { field: 'geometry' });
  }
  const sums = new Float64Array(kernelHeight * kernelWidth * channels);
  let samples = 0;
  return {
    inputs: sums.length,
    get samples() {
      return samples;
    },
    async add(batch: CalibrationBatch) {
      const squares = tf.tidy(() => {
        const x = batch instanceof tf.Tensor ? tf.cast(batch, 'float32') : uploaded(batch);
        if (x.rank !== 4 || x.shape[3] !== channels) {
          throw new WhittleError('invalid-argument', `a Conv2D layer's calibration batch is [batch, height, width, ${channels}], got [${x.shape.join(', ')}]`, { field: 'calibration' });
        }
        return patchSquares(x as tf.Tensor4D, kernelHeight, kernelWidth, geometry);
      });
      try {
        if (squares.positions === 0) return;
        const values = await squares.sums.data();
        for (let index = 0; index < values.length; index++) {
          if (!Number.isFinite(values[index]!)) {
            throw new WhittleError('invalid-argument', 'a calibration batch holds NaN or infinite values', { field: 'calibration' });
          }
        }
        for (let index = 0; index < sums.length; index++) sums[index] = sums[index]! + values[index]!;
        samples += squares.positions;
      } finally {
        squares.sums.dispose();
      }
    },
    result() {
      if (samples === 0) throw new WhittleError('invalid-argument', 'the calibration data holds no samples', { field: 'calibration' });
      return sums.map(Math.sqrt);
    },
  };
}

function uploaded(batch: CalibrationBatch): tf.Tensor {
  const host = validateHostTensor(batch, { field: 'calibration' });
  return tf.tensor(toFloat32(host).data, [...host.shape], 'float32');
}

/**
 * Σ x² over every patch position for each kernel offset and channel, `[kh · kw · in]`, and the
 * number of patch positions (output pixels over the batch). Padding follows TensorFlow: `same`
 * gives ceil(size / stride) outputs, the odd padding pixel at the end.
 */
function patchSquares(x: tf.Tensor4D, kernelHeight: number, kernelWidth: number, geometry: ConvGeometry): { sums: tf.Tensor1D; positions: number } {
  const [batch, height, width] = x.shape;
  const vertical = axisPlan(height, kernelHeight, geometry.strides[0], geometry.dilations[0], geometry.padding);
  const horizontal = axisPlan(width, kernelWidth, geometry.strides[1], geometry.dilations[1], geometry.padding);
  const positions = batch * vertical.outputs * horizontal.outputs;
  if (vertical.outputs <= 0 || horizontal.outputs <= 0 || batch === 0) return { sums: tf.zeros([kernelHeight * kernelWidth * x.shape[3]]), positions: 0 };
  const padded = tf.pad(tf.square(x), [
    [0, 0],
    [vertical.before, vertical.after],
    [horizontal.before, horizontal.after],
    [0, 0],
  ]);
  const offsets: tf.Tensor1D[] = [];
  for (let dy = 0; dy < kernelHeight; dy++) {
    for (let dx = 0; dx < kernelWidth; dx++) {
      const top = dy * geometry.dilations[0];
      const left = dx * geometry.dilations[1];
      const window = tf.stridedSlice(
        padded,
        [0, top, left, 0],
        [batch, top + (vertical.outputs - 1) * geometry.strides[0] + 1, left + (horizontal.outputs - 1) * geometry.strides[1] + 1, x.shape[3]],
        [1, geometry.strides[0], geometry.strides[1], 1],
      );
      offsets.push(tf.sum(window, [0, 1, 2]) as tf.Tensor1D);
    }
  }
  return { sums: tf.concat(offsets) as tf.Tensor1D, positions };
}

function axisPlan(size: number, kernel: number, stride: number, dilation: number, padding: 'same' | 'valid'): { outputs: number; before: number; after: number } {
  const span = (kernel - 1) * dilation + 1;
  if (padding === 'valid') return { outputs: size >= span ? Math.floor((size - span) / stride) + 1 : 0, before: 0, after: 0 };
  const outputs = Math.ceil(size / stride);
  const total = Math.max((outputs - 1) * stride + span - size, 0);
  const before = Math.floor(total / 2);
  return { outputs, before, after: total - before };
}
