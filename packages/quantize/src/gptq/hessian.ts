/**
 * The GPTQ Hessian of a layer, H = 2/n · XᵀX over its n calibration inputs (rows of X), built
 * batch by batch so the calibration set never has to fit in memory.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  WhittleError,
  batchMatrix,
  calibrationBatches,
  describeValue,
  type CalibrationBatch,
  type CalibrationSource,
  type HostTensor,
} from '@whittle/core';

/**
 * A layer's Hessian for GPTQ: `matrix` is H = 2/n · XᵀX, `[inputs, inputs]` in float64, over the
 * `samples` calibration inputs it was accumulated from.
 */
export interface Hessian {
  readonly kind: 'hessian';
  readonly inputs: number;
  readonly samples: number;
  readonly matrix: HostTensor<'float64'>;
}

/** Streams calibration batches into a {@link Hessian}. */
export interface HessianAccumulator {
  /** The layer's input width; fixed by the constructor or by the first batch. */
  readonly inputs: number | undefined;
  /** Samples accumulated so far. */
  readonly samples: number;
  /** Adds one batch `[samples, inputs]` (or `[..., inputs]`). */
  add(batch: CalibrationBatch): Promise<void>;
  /** The Hessian of every sample added so far (a copy: adding more does not change it). */
  result(): Hessian;
}

/**
 * A Hessian accumulator. Each batch's XᵀX is one `tf.matMul` on the current backend (the only
 * part that scales with the calibration set); the running average H ← H·n/(n+b) + 2/(n+b)·XᵀX
 * (the reference implementation's update) is kept in float64, so thousands of batches do not
 * drift the way a float32 sum would.
 *
 * @example
 * ```ts
 * const accumulator = createHessianAccumulator(64);
 * for (const batch of batches) await accumulator.add(batch);
 * const hessian = accumulator.result();
 * ```
 */
export function createHessianAccumulator(inputs?: number): HessianAccumulator {
  if (inputs !== undefined && (!Number.isSafeInteger(inputs) || inputs < 1)) {
    throw new WhittleError('invalid-argument', `inputs must be a positive integer, got ${describeValue(inputs)}`, {
      field: 'inputs',
    });
  }
  let width = inputs;
  let samples = 0;
  let matrix: Float64Array | undefined = width === undefined ? undefined : new Float64Array(width * width);
  return {
    get inputs() {
      return width;
    },
    get samples() {
      return samples;
    },
    async add(batch) {
      const gram = tf.tidy(() => {
        const x = batchMatrix(batch);
        const batchInputs = x.shape[1];
        if (width === undefined) {
          width = batchInputs;
          matrix = new Float64Array(width * width);
        }
        if (batchInputs !== width) {
          throw new WhittleError(
            'invalid-argument',
            `a calibration batch has ${batchInputs} inputs, the layer ${width}`,
            { field: 'calibration' },
          );
        }
        return { count: x.shape[0], product: tf.matMul(x, x, true, false) };
      });
      try {
        if (gram.count === 0) return;
        const values = await gram.product.data();
        const total = samples + gram.count;
        const keep = samples / total;
        const scale = 2 / total;
        const target = matrix!;
        for (let index = 0; index < target.length; index++) {
          const value = values[index]!;
          if (!Number.isFinite(value)) {
            throw new WhittleError('invalid-argument', 'a calibration batch holds NaN or infinite values', {
              field: 'calibration',
            });
          }
          target[index] = target[index]! * keep + scale * value;
        }
        samples = total;
      } finally {
        gram.product.dispose();
      }
    },
    result() {
      if (width === undefined || matrix === undefined || samples === 0) {
        throw new WhittleError('invalid-argument', 'the calibration data holds no samples', { field: 'calibration' });
      }
      return {
        kind: 'hessian',
        inputs: width,
        samples,
        matrix: { dtype: 'float64', shape: [width, width], data: matrix.slice() },
      };
    },
  };
}

/**
 * The Hessian of a layer from its calibration inputs: a tensor, or a sync or async iterable of
 * batches, streamed one batch at a time.
 *
 * @example
 * ```ts
 * const hessian = await accumulateHessian(tf.randomNormal([512, 64]));
 * hessian.matrix.shape; // [64, 64]
 * ```
 */
export async function accumulateHessian(source: CalibrationSource, inputs?: number): Promise<Hessian> {
  const accumulator = createHessianAccumulator(inputs);
  for await (const batch of calibrationBatches(source)) await accumulator.add(batch);
  return accumulator.result();
}

/**
 * True when `value` is a {@link Hessian} (as opposed to calibration data).
 *
 * @example
 * ```ts
 * isHessian(await accumulateHessian(inputs)); // true
 * ```
 */
export function isHessian(value: unknown): value is Hessian {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'hessian';
}

/**
 * Checks a Hessian given by the caller against the layer width (internal).
 *
 * @example
 * ```ts
 * checkHessian(hessian, 64);
 * ```
 */
export function checkHessian(hessian: Hessian, inputs: number): Float64Array {
  const { matrix } = hessian;
  const ok =
    matrix !== null &&
    typeof matrix === 'object' &&
    matrix.data instanceof Float64Array &&
    matrix.data.length === inputs * inputs;
  if (!ok) {
    throw new WhittleError(
      'invalid-argument',
      `the Hessian must be a float64 [${inputs}, ${inputs}] matrix for a layer of ${inputs} inputs, got ${describeValue(hessian.inputs)} inputs`,
      { field: 'hessian' },
    );
  }
  return matrix.data;
}
