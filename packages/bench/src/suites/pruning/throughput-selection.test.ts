import { countPruned } from '@whittle/prune';
import { describe, expect, it } from 'vitest';
import { throughputRows, throughputTasks } from './throughput-selection.ts';

describe('the selection throughput part', () => {
  it('times selection at 90% sparsity, mask apply and both copies of the same weights', () => {
    const weights = Float32Array.from({ length: 1000 }, (_, index) => Math.sin(index));
    const tasks = throughputTasks(weights);
    expect(Object.keys(tasks)).toEqual(['select-lowest', 'apply-mask', 'copy-fresh', 'copy-reused']);
    const mask = tasks['select-lowest']!() as Uint8Array;
    expect(countPruned(mask)).toBe(900);
    const applied = tasks['apply-mask']!() as Float32Array;
    expect(applied.filter((value) => value === 0).length).toBe(900);
  });

  it('gives throughput against the fresh copy, time against both copies and the spread, per task', async () => {
    const rows = await throughputRows({ sizes: [4096], timed: { warmup: 0, runs: 3 } }, () => {});
    expect(rows).toHaveLength(16);
    const find = (name: string, metric: string) => rows.find((row) => row.case === name && row.metric === metric)!;
    expect(find('copy-fresh', 'time / fresh copy').value).toBe(1);
    expect(find('copy-reused', 'time / reused copy').value).toBe(1);
    const fresh = find('copy-fresh', 'throughput').value;
    for (const row of rows.filter(({ metric }) => metric === 'throughput')) {
      expect(row).toMatchObject({ suite: 'pruning', backend: 'js', size: '4096', unit: 'params/s', bound: fresh });
      expect(find(row.case, 'time / fresh copy').value).toBeCloseTo(fresh / row.value, 10);
    }
    for (const row of rows.filter(({ metric }) => metric === 'spread')) expect(row.value).toBeGreaterThanOrEqual(0);
  });
});
