/**
 * Training batches of a chosen size from batches of any size: each given batch is cut into
 * consecutive runs of rows, so a dataset's loader need not know the step's batch size.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '../errors.ts';
import { loadRunner } from '../recipe/load-runner.ts';
import type { Batch, BatchData, BatchTensor, BatchTensors } from '../runner/batch-data.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';

/**
 * `data` read again on every pass, with each batch cut into batches of at most `batchSize` rows
 * (the first axis of every input and target), in order; a batch of `batchSize` rows or fewer is
 * passed on as it is. Host tensors are cut into views (no copy); tfjs tensors into slices that
 * are freed once the next batch is asked for.
 *
 * @example
 * ```ts
 * const batches = splitBatches([{ inputs: images, targets: labels }], 100); // 5 batches for 500 rows
 * ```
 */
export function splitBatches(data: BatchData, batchSize: number): BatchData {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new WhittleError('invalid-argument', `batchSize must be a positive integer, got ${String(batchSize)}`, { field: 'batchSize' });
  }
  return async function* split(): AsyncGenerator<Batch> {
    const { readBatches } = await loadRunner('training', { field: 'data' });
    for await (const batch of readBatches(data)) {
      const rows = firstAxis(batch.inputs);
      if (rows === undefined || rows <= batchSize) {
        yield batch;
        continue;
      }
      for (let start = 0; start < rows; start += batchSize) {
        const end = Math.min(rows, start + batchSize);
        const owned: tf.Tensor[] = [];
        try {
          const inputs = sliceRows(batch.inputs, start, end, owned);
          yield batch.targets === undefined ? { inputs } : { inputs, targets: sliceRows(batch.targets, start, end, owned) };
        } finally {
          tf.dispose(owned);
        }
      }
    }
  };
}

function firstAxis(tensors: BatchTensors): number | undefined {
  const first = (Array.isArray(tensors) ? tensors[0] : tensors) as BatchTensor | undefined;
  return first?.shape?.[0];
}

function sliceRows(tensors: BatchTensors, start: number, end: number, owned: tf.Tensor[]): BatchTensors {
  if (Array.isArray(tensors)) return (tensors as readonly BatchTensor[]).map((tensor) => sliceTensor(tensor, start, end, owned));
  return sliceTensor(tensors as BatchTensor, start, end, owned);
}

/** Rows `start` to `end` of a batch tensor; a tensor with fewer rows is passed on for the runner to refuse. */
function sliceTensor(tensor: BatchTensor, start: number, end: number, owned: tf.Tensor[]): BatchTensor {
  const rows = tensor.shape[0];
  if (rows === undefined || rows < end) return tensor;
  if (tensor instanceof tf.Tensor) {
    if (tensor.isDisposed) return tensor;
    const slice = tf.slice(tensor, start, end - start);
    owned.push(slice);
    return slice;
  }
  const host = tensor as HostTensor;
  const rowLength = host.shape.slice(1).reduce((product, size) => product * size, 1);
  const data = host.data as unknown as { readonly length: number; subarray?: (begin: number, end: number) => HostTensor['data'] };
  if (typeof data.subarray !== 'function' || data.length !== rows * rowLength) return tensor;
  return {
    dtype: host.dtype,
    shape: [end - start, ...host.shape.slice(1)],
    data: data.subarray(start * rowLength, end * rowLength),
  } as HostTensor;
}
