import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.ts';
import type { Batch, BatchTensor } from '../runner/batch-data.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { splitBatches } from './split-batches.ts';

beforeAll(async () => {
  await useBackend('cpu');
}, 120_000);

async function collect(data: ReturnType<typeof splitBatches>): Promise<{ inputs: number[][]; targets: number[][] }[]> {
  const read: { inputs: number[][]; targets: number[][] }[] = [];
  for await (const batch of (data as () => AsyncIterable<Batch>)()) {
    const values = (tensor: BatchTensor): number[][] => {
      const flat = Array.from(tensor instanceof tf.Tensor ? tensor.dataSync() : (tensor.data as Float32Array));
      const width = flat.length / tensor.shape[0]!;
      return Array.from({ length: tensor.shape[0]! }, (_, row) => flat.slice(row * width, (row + 1) * width));
    };
    read.push({ inputs: values(batch.inputs as BatchTensor), targets: values(batch.targets as BatchTensor) });
  }
  return read;
}

describe('splitBatches', () => {
  it('cuts host and tfjs batches into runs of at most batchSize rows, in order, every time it is read, freeing its slices', async () => {
    const rows = (count: number, offset: number, width: number) => Float32Array.from({ length: count * width }, (_, index) => offset + index);
    const inputs = tf.tensor2d(rows(5, 100, 2), [5, 2]);
    const batches: Batch[] = [
      { inputs: hostTensor('float32', [7, 3], rows(7, 0, 3)), targets: hostTensor('float32', [7, 1], rows(7, 50, 1)) },
      { inputs, targets: tf.tensor2d(rows(5, 200, 1), [5, 1]) },
      { inputs: hostTensor('float32', [2, 3], rows(2, 300, 3)), targets: hostTensor('float32', [2, 1], rows(2, 400, 1)) },
    ];
    const before = tf.memory().numTensors;
    const data = splitBatches(batches, 3);
    const first = await collect(data);
    expect(first.map(({ inputs: values }) => values.length)).toEqual([3, 3, 1, 3, 2, 2]);
    expect(first.flatMap(({ inputs: values }) => values).slice(0, 7)).toEqual(Array.from({ length: 7 }, (_, row) => [row * 3, row * 3 + 1, row * 3 + 2]));
    expect(first.flatMap(({ targets }) => targets).flat()).toEqual([50, 51, 52, 53, 54, 55, 56, 200, 201, 202, 203, 204, 400, 401]);
    expect(await collect(data)).toEqual(first);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([inputs, batches[1]!.targets as tf.Tensor]);
  });

  it('refuses a batch size that is not a positive integer', () => {
    for (const size of [0, -1, 1.5, Number.NaN]) expect(() => splitBatches([], size)).toThrow(expect.objectContaining({ field: 'batchSize' }));
  });
});
