/**
 * The `training` resource compress is given (core's `TrainingData` batches) read as the data
 * `distill` learns from.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TRAINING_RESOURCE, WhittleError, toTensor, type TrainingData } from '@whittle/core';
import type { BatchTensor, BatchTensors } from '@whittle/core/runner';
import type { DistillBatch, DistillData } from '../train/index.ts';

/** Data for `distill` and what to free once training is done. */
export interface DistillTrainingData {
  readonly data: DistillData;
  /** Frees the tensors this reading made (never the caller's). */
  dispose(): void;
}

/**
 * `training.batches` as `distill` data. An array of batches is joined into one pair of tensors,
 * so `distill` reshuffles it with its seed each epoch and cuts it to the step's batch size; a
 * function (a stream larger than memory) is read batch by batch as it comes. Each batch needs one
 * input tensor and targets: an `invalid-argument` WhittleError naming the batch otherwise.
 *
 * @example
 * ```ts
 * const { data, dispose } = distillData(training);
 * try { await distill({ teacher, student, data }); } finally { dispose(); }
 * ```
 */
export function distillData(training: TrainingData): DistillTrainingData {
  const { batches } = training;
  if (typeof batches === 'function') {
    const stream = async function* (): AsyncGenerator<DistillBatch> {
      let index = 0;
      for await (const batch of batches()) {
        const made: tf.Tensor[] = [];
        try {
          yield batchTensors(batch, index, made);
        } finally {
          tf.dispose(made);
        }
        index++;
      }
    };
    return { data: stream, dispose: () => {} };
  }
  if (batches.length === 0) throw new WhittleError('invalid-argument', 'the training data holds no batches', { field: `resources.${TRAINING_RESOURCE}.batches` });
  // Tensors made here (never the caller's): the batches read from host data, then the joined pair.
  const converted: tf.Tensor[] = [];
  const joined: tf.Tensor[] = [];
  try {
    const parts = batches.map((batch, index) => batchTensors(batch, index, converted));
    if (parts.length === 1) return { data: parts[0]!, dispose: () => tf.dispose(converted) };
    joined.push(tf.concat(parts.map((part) => part.xs)), tf.concat(parts.map((part) => part.ys!)));
    return { data: { xs: joined[0]!, ys: joined[1]! }, dispose: () => tf.dispose(joined) };
  } catch (error) {
    tf.dispose([...joined, ...converted]);
    if (error instanceof WhittleError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new WhittleError('invalid-argument', `the training batches cannot be joined: ${message}`, { field: `resources.${TRAINING_RESOURCE}.batches` }, { cause: error });
  } finally {
    // With several batches, the joined pair holds every sample: the per-batch tensors can go.
    if (batches.length > 1) tf.dispose(converted);
  }
}

function batchTensors(batch: { readonly inputs: BatchTensors; readonly targets?: BatchTensors }, index: number, made: tf.Tensor[]): DistillBatch {
  const field = `resources.${TRAINING_RESOURCE}.batches[${index}]`;
  if (typeof batch !== 'object' || batch === null) throw new WhittleError('invalid-argument', 'a batch must be { inputs, targets }', { field });
  if (batch.targets === undefined) throw new WhittleError('invalid-argument', 'distillation needs targets (labels) in every batch', { field: `${field}.targets` });
  return { xs: oneTensor(batch.inputs, `${field}.inputs`, made), ys: oneTensor(batch.targets, `${field}.targets`, made) };
}

function oneTensor(value: BatchTensors, field: string, made: tf.Tensor[]): tf.Tensor {
  if (Array.isArray(value)) {
    if (value.length !== 1) throw new WhittleError('invalid-argument', `distillation takes models of one input and one output, got ${value.length} tensors`, { field });
    return oneTensor(value[0] as BatchTensor, field, made);
  }
  if (value instanceof tf.Tensor) return value;
  const tensor = toTensor(value as Exclude<BatchTensor, tf.Tensor>);
  made.push(tensor);
  return tensor;
}
