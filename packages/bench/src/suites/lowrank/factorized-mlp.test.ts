import { useBackend } from '@whittle/core';
import { beforeAll, expect, test } from 'vitest';
import { FACTORIZED_BUDGET, QUICK_FACTORIZED_MLP_PLAN, factorizedMlp } from './factorized-mlp.ts';

beforeAll(async () => {
  await useBackend('wasm');
});

test('the quick factorized-MLP part reports params, accuracy and latency of the original and the factorized model', async () => {
  const rows = await factorizedMlp({ quick: true, backend: 'wasm', progress: () => {} });
  const value = (name: string, metric: string): number => {
    const found = rows.filter((row) => row.case === name && row.metric === metric);
    expect(found, `${name} ${metric}`).toHaveLength(1);
    return found[0]!.value;
  };
  const [hidden] = QUICK_FACTORIZED_MLP_PLAN.hiddenSizes;
  const original = 784 * hidden! + hidden! + hidden! * 10 + 10;
  expect(value('original', 'params')).toBe(original);
  // The hidden kernel (784 × 256) is held to a quarter of its params; the bias and the head are kept.
  const rank = Math.floor((FACTORIZED_BUDGET * 784 * hidden!) / (784 + hidden!));
  expect(value('svd-25%', 'params')).toBe(rank * (784 + hidden!) + hidden! + hidden! * 10 + 10);
  for (const name of ['original', 'svd-25%', 'svd-25%-finetuned']) {
    const accuracy = value(name, 'top1-accuracy');
    expect(accuracy).toBeGreaterThan(50);
    expect(accuracy).toBeLessThanOrEqual(100);
  }
  for (const batch of QUICK_FACTORIZED_MLP_PLAN.latencyBatches) {
    const before = value('original', `latency-batch-${batch}`);
    const after = value('svd-25%', `latency-batch-${batch}`);
    expect(before).toBeGreaterThan(0);
    expect(after).toBeGreaterThan(0);
    expect(value('svd-25%', `speedup-batch-${batch}`)).toBeCloseTo(before / after, 10);
  }
  expect(rows.every((row) => row.suite === 'lowrank' && row.size === 'mnist mlp 784-256-10')).toBe(true);
});
