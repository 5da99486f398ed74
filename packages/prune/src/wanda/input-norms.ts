/**
 * The L2 norm of each input feature over a layer's calibration inputs, ‖X_j‖₂ = sqrt(Σ x_j²) (the
 * square root of the diagonal of XᵀX), built batch by batch so the calibration set never has to
 * fit in memory.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, batchMatrix, calibrationBatches, describeValue, type CalibrationBatch, type CalibrationSource } from '@whittle/core';

/** Streams calibration batches into per-feature input norms. */
export interface InputNormAccumulator {
  /** The layer's input width; fixed by the constructor or by the first batch. */
  readonly inputs: number | undefined;
  /** Samples added so far. */
  readonly samples: number;
  /** Adds one batch `[samples, inputs]` (or `[..., inputs]`: every axis but the last counts samples). */
  add(batch: CalibrationBatch): Promise<void>;
  /** ‖X_j‖₂ for every input feature j over every sample added so far (a new array). */
  result(): Float64Array;
}

/**
 * An input-norm accumulator. Each batch's column sums of squares are one reduction on the current
 * tfjs backend; the running sums are kept in float64 so thousands of batches do not drift.
 *
 * @example
 * ```ts
 * const accumulator = createInputNormAccumulator(784);
 * for (const batch of batches) await accumulator.add(batch);
 * const norms = accumulator.result();
 * ```
 */
export function createInputNormAccumulator(inputs?: number): InputNormAccumulator {
  if (inputs !== undefined && (!Number.isSafeInteger(inputs) || inputs < 1)) {
    throw new WhittleError('invalid-argument', `inputs must be a positive integer, got ${describeValue(inputs)}`, { field: 'inputs' });
  }
  let width = inputs;
  let samples = 0;
  let sums: Float64Array | undefined = width === undefined ? undefined : new Float64Array(width);
  return {
    get inputs() {
      return width;
    },
    get samples() {
      return samples;
    },
    async add(batch) {
      const reduced = tf.tidy(() => {
        const x = batchMatrix(batch);
        const batchInputs = x.shape[1];
        if (width === undefined) {
          width = batchInputs;
          sums = new Float64Array(width);
        }
        if (batchInputs !== width) {
          throw new WhittleError('invalid-argument', `a calibration batch has ${batchInputs} inputs, the layer ${width}`, { field: 'calibration' });
        }
        return { count: x.shape[0], squares: tf.sum(tf.square(x), 0) };
      });
      try {
        if (reduced.count === 0) return;
        const values = await reduced.squares.data();
        const target = sums!;
        for (let feature = 0; feature < target.length; feature++) {
          const value = values[feature]!;
          if (!Number.isFinite(value)) {
            throw new WhittleError('invalid-argument', 'a calibration batch holds NaN or infinite values', { field: 'calibration' });
          }
        }
        for (let feature = 0; feature < target.length; feature++) target[feature] = target[feature]! + values[feature]!;
        samples += reduced.count;
      } finally {
        reduced.squares.dispose();
      }
    },
    result() {
      if (sums === undefined || samples === 0) {
        throw new WhittleError('invalid-argument', 'the calibration data holds no samples', { field: 'calibration' });
      }
      return sums.map(Math.sqrt);
    },
  };
}

/**
 * ‖X_j‖₂ for every input feature of a layer, from its calibration inputs: a tensor, or a sync or
 * async iterable of batches, streamed one batch at a time.
 *
 * @example
 * ```ts
 * const norms = await inputNorms(tf.randomNormal([512, 64]));
 * norms.length; // 64
 * ```
 */
export async function inputNorms(source: CalibrationSource, inputs?: number): Promise<Float64Array> {
  const accumulator = createInputNormAccumulator(inputs);
  for await (const batch of calibrationBatches(source)) await accumulator.add(batch);
  return accumulator.result();
}
