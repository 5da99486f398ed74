import { beforeAll, describe, expect, it } from 'vitest';
import { decodeToFloat32, modelFromTensors, useBackend } from '@whittle/core';
import type { ResultRow } from '../../result-row.ts';
import { randomInit, studentsSeparablePart } from './students-separable.ts';

beforeAll(async () => {
  // wasm: training the CNNs on the cpu backend would take several times longer.
  await useBackend('wasm', { gradients: true });
}, 120_000);

describe('studentsSeparablePart', () => {
  // The quick part (an 8/16-filter CNN on 1,000 digits, one epoch per model) takes seconds: run it whole.
  it('trains a CNN and its separable student on real digits: fewer params and multiply-adds, all learn', async () => {
    const rows = await studentsSeparablePart({ quick: true, backend: 'wasm', progress: () => {} });
    const value = (model: string, metric: string): number => {
      const found = rows.filter((row: ResultRow) => row.case === `cnn ${model}` && row.metric === metric);
      expect(found, `${model} ${metric}`).toHaveLength(1);
      return found[0]!.value;
    };
    expect(rows.every((row) => row.suite === 'distillation' && Number.isFinite(row.value))).toBe(true);
    // Oracle: the layers' sizes by hand. Teacher: conv 3·3·1·8 + 8, conv 3·3·8·16 + 16, dense 5·5·16·32 + 32, logits 32·10 + 10.
    expect(value('teacher', 'params')).toBe(80 + 1168 + 12832 + 330);
    // Student: depthwise 3·3·1 + pointwise 1·8 + 8, depthwise 3·3·8 + pointwise 8·16 + 16, then the same dense layers.
    for (const student of ['separable (random init)', 'separable (distilled)', 'separable (from teacher)']) {
      expect(value(student, 'params')).toBe(9 + 16 + 72 + 144 + 12832 + 330);
      // 26·26 positions of conv_1 and 11·11 of conv_2, then the dense layers.
      expect(value(student, 'multiply-adds')).toBe(26 * 26 * (9 + 8) + 11 * 11 * (9 * 8 + 8 * 16) + 400 * 32 + 32 * 10);
      expect(value(student, 'top1-accuracy')).toBeGreaterThan(30);
    }
    expect(value('teacher', 'multiply-adds')).toBe(26 * 26 * 9 * 8 + 11 * 11 * 9 * 8 * 16 + 400 * 32 + 32 * 10);
    expect(value('teacher', 'top1-accuracy')).toBeGreaterThan(40);
  }, 300_000);
});

describe('randomInit', () => {
  it('redraws kernels within the He-uniform bound and zeroes the rest, deterministically', () => {
    const model = modelFromTensors({
      'dense/kernel': { dtype: 'float32', shape: [6, 4], data: new Float32Array(24).fill(9) },
      'dense/bias': { dtype: 'float32', shape: [4], data: new Float32Array(4).fill(9) },
    });
    const redrawn = randomInit(model, 3);
    const kernel = decodeToFloat32(redrawn.params.get('dense/kernel')!.value).data;
    expect(kernel.every((entry) => Math.abs(entry) <= 1)).toBe(true);
    expect(new Set(kernel).size).toBe(24);
    expect([...decodeToFloat32(redrawn.params.get('dense/bias')!.value).data]).toEqual([0, 0, 0, 0]);
    expect(decodeToFloat32(randomInit(model, 3).params.get('dense/kernel')!.value).data).toEqual(kernel);
  });
});
