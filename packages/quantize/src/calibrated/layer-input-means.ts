/**
 * The mean of the rows a kernel multiplies, over a layer's calibration inputs: a Dense or MatMul
 * layer's input vectors, a convolution's im2col patches (the same sampled output positions the
 * Hessians use, zeros over the padding). With the kernel, these give the layer's mean output, so
 * the shift rounding causes in it can be folded into the layer's bias.
 */
import { WhittleError, type CalibrationBatch } from '@whittle/core';
import type { KernelGeometry } from './kernel-geometry.ts';
import { kernelInputRows } from './kernel-hessians.ts';

/** Streams a layer's input activations into the mean of the rows its kernel multiplies. */
export interface LayerInputMeans {
  /** Adds one batch of the layer's input activations (`[..., in]`, or NHWC for a convolution). */
  add(activations: CalibrationBatch): Promise<void>;
  /** The mean row: `in` values for a Dense kernel, `kh·kw·in` (in `[kh, kw, in]` order) for a convolution. */
  result(): Float64Array;
}

/**
 * A {@link LayerInputMeans} for a kernel of `shape` whose layer reads its input as `geometry` says.
 *
 * @example
 * ```ts
 * const means = createLayerInputMeans({ kind: 'dense', outputsFirst: false }, [64, 32]);
 * await means.add(inputs); // [samples, 64]
 * means.result(); // Float64Array(64)
 * ```
 */
export function createLayerInputMeans(geometry: KernelGeometry, shape: readonly number[]): LayerInputMeans {
  const width = geometry.kind === 'dense' ? (geometry.outputsFirst ? shape[1]! : shape[0]!) : shape[0]! * shape[1]! * shape[2]!;
  const sums = new Float64Array(width);
  let rows = 0;
  const addRows = (data: Float32Array, count: number): void => {
    for (let row = 0; row < count; row++) {
      const offset = row * width;
      for (let column = 0; column < width; column++) sums[column]! += data[offset + column]!;
    }
    rows += count;
  };
  return {
    async add(activations) {
      const data = await kernelInputRows(activations, geometry, shape);
      addRows(data, data.length / width);
    },
    result() {
      if (rows === 0) throw new WhittleError('invalid-argument', 'the calibration data holds no samples', { field: 'calibration' });
      return Float64Array.from(sums, (sum) => sum / rows);
    },
  };
}
