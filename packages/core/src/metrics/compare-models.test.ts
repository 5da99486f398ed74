import { describe, expect, it } from 'vitest';
import { createModel } from '../model/create-model.ts';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import { cast } from '../recipe/cast.ts';
import { compress } from '../recipe/compress.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { compareModels } from './compare-models.ts';

const reference = modelFromTensors({
  'dense/kernel': hostTensor('float32', [4, 2], Float32Array.from([0.1, 0.2, 0.3, 0.4, 1, 2, 3, 4])),
  'dense/bias': hostTensor('float32', [2], Float32Array.from([1, 2])),
});

describe('compareModels', () => {
  it('reports each param’s storage and error, and the totals', async () => {
    const { model: candidate } = await compress(reference, [cast('float16')]);
    const { rows, unmatched, totals } = compareModels(reference, candidate);
    expect(unmatched).toEqual([]);
    expect(rows.map((row) => [row.name, row.encoding, row.params, row.bytesBefore, row.bytesAfter, row.bitsPerWeight])).toEqual([
      ['dense/kernel', 'dense float16', 8, 32, 16, 16],
      ['dense/bias', 'dense float32', 2, 8, 8, 32],
    ]);
    expect(rows[0]!.sqnr).toBeGreaterThan(60);
    expect(rows[0]!.maxAbsError).toBeLessThan(1e-3);
    expect(rows[1]).toMatchObject({ sqnr: Infinity, cosineSimilarity: 1, maxAbsError: 0, meanSquaredError: 0 });
    expect(totals).toEqual({ paramsBefore: 10, paramsAfter: 10, bytesBefore: 40, bytesAfter: 24, ratio: 40 / 24 });
  });

  it('lists params it cannot compare value by value', () => {
    const candidate = createModel({
      format: 'checkpoint',
      params: [
        { name: 'dense/kernel', role: 'dense-kernel', value: { kind: 'dense', tensor: hostTensor('float32', [4, 1]) } },
        { name: 'extra', role: 'other', value: { kind: 'dense', tensor: hostTensor('float32', [1]) } },
      ],
    });
    const { rows, unmatched, totals } = compareModels(reference, candidate);
    expect(rows).toEqual([]);
    expect(unmatched).toEqual([
      { name: 'dense/kernel', reason: 'reshaped' },
      { name: 'dense/bias', reason: 'missing' },
      { name: 'extra', reason: 'added' },
    ]);
    expect(totals).toMatchObject({ paramsBefore: 10, paramsAfter: 5, bytesAfter: 20, ratio: 2 });
  });
});
