import { expect, test } from 'vitest';
import { kernelsSuite } from './kernels.ts';

// The quick suite (1M weights, a few runs) takes a few seconds: run it whole; timings are not asserted.
test('kernels --quick: every case at 1M weights, js and each tfjs backend, each with its copy bound', async () => {
  const progress: string[] = [];
  const { rows, backends } = await kernelsSuite.run({
    quick: true,
    backends: ['cpu'],
    onProgress: (message) => progress.push(message),
  });
  expect(backends.map(({ name }) => name)).toEqual(['cpu']);
  expect(rows.map((row) => [row.case, row.backend])).toEqual([
    ['quantize-int8-channel', 'js'],
    ['quantize-int4-group32', 'js'],
    ['dequantize-int8-channel', 'js'],
    ['dequantize-int4-group32', 'js'],
    ['quantize-dequantize-int8-channel', 'js'],
    ['quantize-dequantize-int8-channel', 'cpu'],
  ]);
  const bound = rows[0]!.bound;
  for (const row of rows) {
    expect(row).toMatchObject({ suite: 'kernels', size: '1024x1024', metric: 'throughput', unit: 'params/s' });
    expect(row.value).toBeGreaterThan(0);
    expect(Number.isFinite(row.value)).toBe(true);
    // One copy of the same weights bounds every case of a size.
    expect(row.bound).toBe(bound);
  }
  expect(bound).toBeGreaterThan(0);
  expect(progress[0]).toBe('copy of 1024x1024 float32 (the bound)');
  expect(progress).toContain('quantize-dequantize-int8-channel 1024x1024 with tfjs ops on cpu');
});
