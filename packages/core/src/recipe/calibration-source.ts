/**
 * Calibration data: the inputs a layer sees on representative data, as the user has them — one
 * tensor, or a stream of batches that never has to fit in memory at once. Techniques that read
 * activations (GPTQ's Hessian, Wanda's input norms) take a layer's inputs in this form.
 */
import * as tf from '@tensorflow/tfjs-core';
import { requireBackend } from '../backend/require-backend.ts';
import { WhittleError } from '../errors.ts';
import { toFloat32, validateHostTensor, type HostTensor } from '../tensor/host-tensor.ts';
import { describeValue } from '../tensor/shape.ts';

/**
 * One batch of a layer's inputs, `[samples, inputs]`. Any rank works: every axis but the last
 * counts as samples (a `[batch, sequence, inputs]` activation is `batch · sequence` samples).
 */
export type CalibrationBatch = HostTensor | tf.Tensor;

/**
 * A layer's calibration inputs: one batch, or a sync or async iterable of batches (an array, a
 * generator, a `tf.data` iterator adapted with `for await`). Batches are read one at a time and
 * never disposed: the code that made a tfjs tensor owns it (a generator can dispose each batch
 * after its `yield` returns).
 */
export type CalibrationSource = CalibrationBatch | Iterable<CalibrationBatch> | AsyncIterable<CalibrationBatch>;

/**
 * The batches of a calibration source in order, whatever its form.
 *
 * @example
 * ```ts
 * for await (const batch of calibrationBatches([first, second])) console.log(batch.shape);
 * ```
 */
export async function* calibrationBatches(source: CalibrationSource): AsyncGenerator<CalibrationBatch> {
  if (isBatch(source)) {
    yield source;
    return;
  }
  if (typeof source === 'object' && source !== null && Symbol.asyncIterator in source) {
    for await (const batch of source) yield checkBatch(batch);
    return;
  }
  if (typeof source === 'object' && source !== null && Symbol.iterator in source) {
    for (const batch of source) yield checkBatch(batch);
    return;
  }
  throw new WhittleError(
    'invalid-argument',
    `calibration must be a tensor or an iterable of tensors, got ${describeValue(source)}`,
    { field: 'calibration' },
  );
}

/**
 * A batch as a float32 tfjs matrix `[samples, inputs]` (a new tensor the caller disposes).
 *
 * @example
 * ```ts
 * const matrix = batchMatrix(hostTensor('float32', [2, 3, 4])); // shape [6, 4]
 * ```
 */
export function batchMatrix(batch: CalibrationBatch): tf.Tensor2D {
  requireBackend('calibration');
  return tf.tidy(() => {
    const tensor = batch instanceof tf.Tensor ? batch : toFloatTensor(batch);
    if (tensor.rank === 0) {
      throw new WhittleError('invalid-argument', 'a calibration batch needs at least one axis', {
        field: 'calibration',
      });
    }
    const inputs = tensor.shape[tensor.rank - 1]!;
    const samples = inputs === 0 ? 0 : tensor.size / inputs;
    return tf.cast(tf.reshape(tensor, [samples, inputs]), 'float32') as tf.Tensor2D;
  });
}

function toFloatTensor(host: HostTensor): tf.Tensor {
  validateHostTensor(host, { field: 'calibration' });
  // 16-bit floats and integers widen to float32, what every statistic of the inputs is taken in.
  return tf.tensor(toFloat32(host).data, [...host.shape], 'float32');
}

function isBatch(value: unknown): value is CalibrationBatch {
  if (value instanceof tf.Tensor) return true;
  // A HostTensor is a plain object with a dtype, a shape and a typed array; iterables are not.
  return typeof value === 'object' && value !== null && 'dtype' in value && 'shape' in value && 'data' in value;
}

function checkBatch(value: unknown): CalibrationBatch {
  if (isBatch(value)) return value;
  throw new WhittleError('invalid-argument', `a calibration batch must be a tensor, got ${describeValue(value)}`, {
    field: 'calibration',
  });
}
