import { expect, test } from 'vitest';
import { formatBenchReport } from './bench-report.ts';

const machine = {
  cpu: 'test cpu',
  cores: 2,
  memoryBytes: 8e9,
  os: 'Linux',
  runtime: 'node',
  runtimeVersion: '20',
  tfjsVersion: '4.22.0',
  backends: [],
} as const;

test('rows with a spread get a min – max column before the bound, and notes follow the table', () => {
  const text = formatBenchReport({
    command: 'whittle bench --suite kernels',
    machine,
    rows: [
      { suite: 'kernels', case: 'copy-into-reused-buffer', backend: 'js', size: '1024x1024', metric: 'throughput', value: 4e9, unit: 'params/s', bound: 4e9, spread: { min: 3.5e9, max: 4.2e9 } },
      { suite: 'kernels', case: 'quantize-int8-channel', backend: 'js', size: '1024x1024', metric: 'throughput', value: 1e9, unit: 'params/s', bound: 4e9, spread: { min: 9e8, max: 1.1e9 } },
    ],
    notes: ['each case ran in a fresh Node process', 'load average (1, 5, 15 min): 1.00, 1.00, 1.00 at the start, 2.00, 2.00, 2.00 at the end'],
  });
  expect(text).toMatch(/^suite\s+case\s+backend\s+size\s+value\s+min – max\s+bound\s+of bound$/m);
  expect(text).toMatch(/^kernels\s+quantize-int8-channel\s+js\s+1024x1024\s+1\.00 G params\/s\s+900 M – 1\.10 G\s+4\.00 G params\/s\s+25\.0%$/m);
  expect(text).toMatch(/\n\n- each case ran in a fresh Node process\n- load average \(1, 5, 15 min\): 1\.00, 1\.00, 1\.00 at the start, 2\.00, 2\.00, 2\.00 at the end$/);
});

test('rows without a spread and reports without notes print as before', () => {
  const text = formatBenchReport({
    command: 'whittle bench --suite backends',
    machine,
    rows: [{ suite: 'backends', case: 'matmul', backend: 'cpu', size: '256x256x256', metric: 'throughput', value: 1.5, unit: 'GFLOP/s' }],
  });
  expect(text).not.toMatch(/min – max/);
  expect(text.endsWith('\n')).toBe(false);
  expect(text.split('\n').at(-1)).toMatch(/^backends\s+matmul/);
});
