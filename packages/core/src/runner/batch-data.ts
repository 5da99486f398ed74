/**
 * The data a model runs on: batches of inputs (and targets, for evaluation and training) from a
 * source that can be read again, so training can make several passes (epochs) over it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '../errors.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { toTensor } from '../tensor/tfjs-tensor.ts';

/** One tensor of a batch: a tfjs tensor (owned by the caller) or host data. */
export type BatchTensor = tf.Tensor | HostTensor;

/**
 * A batch's inputs or targets: one tensor for a model with one input (or output), or one per
 * input (output) in the model's order. The first axis of every tensor counts samples.
 */
export type BatchTensors = BatchTensor | readonly BatchTensor[];

/** One batch: the model's inputs, and the targets its outputs are compared with (evaluation, training). */
export interface Batch {
  readonly inputs: BatchTensors;
  readonly targets?: BatchTensors;
}

/**
 * Batches a model runs on. An array, or a function returning a fresh (async) iterable each time
 * it is called (a generator function): either can be read once per epoch. A generator object
 * itself is not accepted, since it can be read only once. tfjs tensors in batches belong to the
 * caller; a generator may dispose each batch's tensors after its `yield` returns.
 */
export type BatchData = readonly Batch[] | (() => Iterable<Batch> | AsyncIterable<Batch>);

/**
 * True when `value` has the form of {@link BatchData} (an array, or a function); each batch is
 * checked when it is read.
 *
 * @example
 * ```ts
 * isBatchData([{ inputs: tf.zeros([8, 4]) }]); // true
 * ```
 */
export function isBatchData(value: unknown): value is BatchData {
  return Array.isArray(value) || typeof value === 'function';
}

/**
 * The batches of `data`, in order, each checked to be a {@link Batch}. Throws an
 * `invalid-argument` WhittleError naming `field` and the batch's index for anything else.
 *
 * @example
 * ```ts
 * for await (const batch of readBatches(data)) console.log(batch.inputs);
 * ```
 */
export async function* readBatches(data: BatchData, field = 'data'): AsyncGenerator<Batch> {
  if (!isBatchData(data)) {
    throw new WhittleError('invalid-argument', 'batches must be an array of { inputs, targets } or a function returning an iterable of them', { field });
  }
  const source = Array.isArray(data) ? (data as readonly Batch[]) : (data as () => unknown)();
  if (!isIterable(source)) {
    throw new WhittleError('invalid-argument', 'the batch function must return an iterable or async iterable of batches', { field });
  }
  let index = 0;
  for await (const batch of source as AsyncIterable<unknown>) {
    yield checkBatch(batch, `${field}[${index}]`);
    index++;
  }
}

/**
 * The tensors of a batch's inputs or targets as tfjs tensors: the caller's tfjs tensors as they
 * are, host data uploaded into `owned` (which the caller disposes).
 *
 * @example
 * ```ts
 * const owned: tf.Tensor[] = [];
 * try { const inputs = batchTensors(batch.inputs, owned, 'data[0].inputs'); } finally { tf.dispose(owned); }
 * ```
 */
export function batchTensors(tensors: BatchTensors, owned: tf.Tensor[], field: string): tf.Tensor[] {
  const list = Array.isArray(tensors) ? (tensors as readonly BatchTensor[]) : [tensors as BatchTensor];
  return list.map((tensor, index) => {
    if (tensor instanceof tf.Tensor) {
      if (tensor.isDisposed) throw new WhittleError('invalid-argument', 'a batch tensor is already disposed', { field: fieldAt(field, index, list) });
      return tensor;
    }
    if (!isHostTensor(tensor)) {
      throw new WhittleError('invalid-argument', 'expected a tfjs tensor or a host tensor { dtype, shape, data }', { field: fieldAt(field, index, list) });
    }
    let uploaded: tf.Tensor;
    try {
      uploaded = toTensor(tensor);
    } catch (error) {
      if (error instanceof WhittleError) throw new WhittleError(error.code, error.detail, { field: fieldAt(field, index, list) }, { cause: error });
      throw error;
    }
    owned.push(uploaded);
    return uploaded;
  });
}

/**
 * Samples in a batch: the first axis of its first input, which every other tensor must share.
 *
 * @example
 * ```ts
 * batchSize([tf.zeros([8, 4])], 'data[0].inputs'); // 8
 * ```
 */
export function batchSize(tensors: readonly tf.Tensor[], field: string): number {
  const first = tensors[0];
  if (first === undefined || first.rank === 0) {
    throw new WhittleError('invalid-argument', 'a batch tensor needs a first axis that counts samples', { field });
  }
  const size = first.shape[0]!;
  for (const [index, tensor] of tensors.entries()) {
    if (tensor.rank === 0 || tensor.shape[0] !== size) {
      throw new WhittleError('invalid-argument', `every tensor of a batch must have ${size} samples, got shape [${tensor.shape.join(', ')}]`, {
        field: tensors.length === 1 ? field : `${field}[${index}]`,
      });
    }
  }
  return size;
}

function fieldAt(field: string, index: number, list: readonly unknown[]): string {
  return list.length === 1 ? field : `${field}[${index}]`;
}

function isIterable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (Symbol.iterator in value || Symbol.asyncIterator in value);
}

function isHostTensor(value: unknown): value is HostTensor {
  return typeof value === 'object' && value !== null && 'dtype' in value && 'shape' in value && 'data' in value;
}

function checkBatch(value: unknown, field: string): Batch {
  if (typeof value !== 'object' || value === null || !('inputs' in value) || value.inputs === undefined) {
    throw new WhittleError('invalid-argument', 'a batch must be an object { inputs, targets? }', { field });
  }
  return value as Batch;
}
