import { useBackend } from '@whittle/core';
import { beforeAll, expect, test } from 'vitest';
import type { ResultRow } from '../../result-row.ts';
import { wandaVersusMagnitude } from './wanda-vs-magnitude.ts';

beforeAll(async () => {
  await useBackend('wasm');
});

// Quick mode trains a 784 → 64 → 10 MLP on 2,000 digits for one epoch: a few seconds.
test('wanda vs magnitude --quick: equal sparsity, per-layer output error and accuracy for every pattern', async () => {
  const rows = await wandaVersusMagnitude({ quick: true, backend: 'wasm', progress: () => {} });
  const value = (name: string, metric: string): number => {
    const found = rows.filter((row: ResultRow) => row.case === name && row.metric === metric);
    expect(found).toHaveLength(1);
    return found[0]!.value;
  };
  for (const row of rows) {
    expect(row).toMatchObject({ suite: 'pruning', size: 'mnist mlp 784-64-10 calib 128' });
    expect(Number.isFinite(row.value)).toBe(true);
  }
  expect(value('unpruned', 'top1-accuracy')).toBeGreaterThan(80);
  for (const pattern of ['50%', '2:4', '4:8']) {
    // Every method prunes the same share of the kernels: half of them.
    for (const method of ['magnitude', 'wanda']) expect(value(`${method} ${pattern}`, 'kernel-sparsity')).toBeCloseTo(50, 0);
    let wandaTotal = 0;
    let magnitudeTotal = 0;
    for (const kernel of ['dense_1/kernel', 'dense_2/kernel']) {
      wandaTotal += value(`wanda ${pattern}`, `output-error ${kernel}`);
      magnitudeTotal += value(`magnitude ${pattern}`, `output-error ${kernel}`);
    }
    // Wanda's point: weighting by input norms loses less of each layer's output.
    expect(wandaTotal).toBeLessThan(magnitudeTotal);
  }
});
