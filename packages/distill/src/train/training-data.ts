/**
 * The data `distill` learns from: tensors held in memory (shuffled with a seed each epoch), or a
 * stream of batches read once per epoch, so data larger than memory never has to be loaded whole.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, describeValue } from '@whittle/core';
import { seededUniform } from '../losses/seeded-normal.ts';

/** A batch: inputs, and labels where the loss or the metric needs them. The first axis counts samples. */
export interface DistillBatch {
  readonly xs: tf.Tensor;
  readonly ys?: tf.Tensor;
}

/**
 * Batches read in order: an iterable that can be read again each epoch (an array), or a function
 * returning a fresh (async) iterable each time (an async generator function, for streams). The
 * tensors belong to the caller; a generator may dispose each batch after its `yield` returns.
 */
export type BatchStream = Iterable<DistillBatch> | AsyncIterable<DistillBatch> | (() => Iterable<DistillBatch> | AsyncIterable<DistillBatch>);

/** Training or validation data: every sample in memory (`{ xs, ys }`), or a {@link BatchStream}. */
export type DistillData = DistillBatch | BatchStream;

/** One batch as training reads it, with the tensors this reading made (freed after the batch). */
export interface ReadBatch {
  readonly index: number;
  readonly xs: tf.Tensor;
  readonly ys: tf.Tensor | undefined;
  /** For in-memory data, which samples the batch holds (to read cached teacher outputs). */
  readonly samples: tf.Tensor1D | undefined;
  readonly owned: readonly tf.Tensor[];
}

/** True when `data` is in-memory tensors rather than a stream. */
export function isInMemory(data: DistillData): data is DistillBatch {
  return typeof data === 'object' && data !== null && !Array.isArray(data) && 'xs' in data;
}

/**
 * Throws an `invalid-argument` WhittleError naming `field` unless `data` is {@link DistillData};
 * in-memory tensors are checked to agree on their sample counts.
 */
export function checkData(data: unknown, field: string): asserts data is DistillData {
  if (typeof data === 'object' && data !== null && !Array.isArray(data) && 'xs' in data) {
    const { xs, ys } = data as { xs: unknown; ys?: unknown };
    checkBatchTensors(xs, ys, field);
    return;
  }
  if (typeof data === 'function') return;
  if (typeof data === 'object' && data !== null && (Symbol.iterator in data || Symbol.asyncIterator in data)) {
    if (!Array.isArray(data) && (data as { next?: unknown }).next !== undefined) {
      throw new WhittleError('invalid-argument', 'a generator can be read only once; pass the generator function (() => generator()) so every epoch reads it afresh', { field });
    }
    return;
  }
  throw new WhittleError('invalid-argument', `must be { xs, ys? } tensors, an array of batches or a function returning an (async) iterable of them, got ${describeValue(data)}`, { field });
}

function checkBatchTensors(xs: unknown, ys: unknown, field: string): void {
  if (!(xs instanceof tf.Tensor) || xs.isDisposed || xs.rank === 0) throw new WhittleError('invalid-argument', 'xs must be a live tensor whose first axis counts samples', { field: `${field}.xs` });
  if (xs.shape[0] === 0) throw new WhittleError('invalid-argument', 'xs holds no samples', { field: `${field}.xs` });
  if (ys === undefined) return;
  if (!(ys instanceof tf.Tensor) || ys.isDisposed || ys.rank === 0 || ys.shape[0] !== xs.shape[0]) {
    throw new WhittleError('invalid-argument', `ys must be a live tensor of ${xs.shape[0]} samples, as xs has`, { field: `${field}.ys` });
  }
}

/**
 * The batches of one epoch. In-memory data is cut into `batchSize` batches, in an order shuffled
 * from `seed` and the epoch when `shuffle`; a stream is read as it comes.
 *
 * @example
 * ```ts
 * for await (const batch of readEpoch({ xs, ys }, { batchSize: 32, shuffle: true, seed: 1, epoch: 1 }, 'data')) tf.dispose(batch.owned);
 * ```
 */
export async function* readEpoch(data: DistillData, options: { batchSize: number; shuffle: boolean; seed: number; epoch: number }, field: string): AsyncGenerator<ReadBatch> {
  if (isInMemory(data)) {
    checkBatchTensors(data.xs, data.ys, field);
    const count = data.xs.shape[0]!;
    const order = sampleOrder(count, options.shuffle ? options.seed * 1_000_003 + options.epoch : undefined);
    for (let start = 0, index = 0; start < count; start += options.batchSize, index++) {
      const samples = tf.tensor1d(order.subarray(start, Math.min(count, start + options.batchSize)), 'int32');
      const xs = tf.gather(data.xs, samples);
      const ys = data.ys === undefined ? undefined : tf.gather(data.ys, samples);
      yield { index, xs, ys, samples, owned: ys === undefined ? [samples, xs] : [samples, xs, ys] };
    }
    return;
  }
  const source = typeof data === 'function' ? (data as () => unknown)() : data;
  if (typeof source !== 'object' || source === null || !(Symbol.iterator in source || Symbol.asyncIterator in source)) {
    throw new WhittleError('invalid-argument', 'the batch function must return an iterable or async iterable of { xs, ys? }', { field });
  }
  let index = 0;
  for await (const batch of source as AsyncIterable<unknown>) {
    const batchField = `${field}[${index}]`;
    if (typeof batch !== 'object' || batch === null || !('xs' in batch)) throw new WhittleError('invalid-argument', `a batch must be { xs, ys? }, got ${describeValue(batch)}`, { field: batchField });
    const { xs, ys } = batch as { xs: unknown; ys?: unknown };
    checkBatchTensors(xs, ys, batchField);
    yield { index, xs: xs as tf.Tensor, ys: ys as tf.Tensor | undefined, samples: undefined, owned: [] };
    index++;
  }
}

/** 0 … count−1, shuffled (Fisher–Yates) from `seed`, or in order without one. */
function sampleOrder(count: number, seed: number | undefined): Int32Array {
  const order = new Int32Array(count);
  for (let index = 0; index < count; index++) order[index] = index;
  if (seed === undefined) return order;
  const uniform = seededUniform(seed);
  for (let index = count - 1; index > 0; index--) {
    const other = Math.floor(uniform() * (index + 1));
    const value = order[index]!;
    order[index] = order[other]!;
    order[other] = value;
  }
  return order;
}
