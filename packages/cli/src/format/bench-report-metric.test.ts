import type { ResultRow } from '@whittle/bench';
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
  backends: [{ name: 'wasm', simd: true, threads: false }],
} as const;

function row(metric: string, value: number, unit: string, backend = 'js'): ResultRow {
  return { suite: 'quantization', case: 'int8-channel', backend, size: 'gaussian 1024x1024', metric, value, unit };
}

test('a case with several figures gets a metric column naming each', () => {
  const text = formatBenchReport({
    command: 'whittle bench --suite quantization',
    machine,
    rows: [row('weight-sqnr', 42.1, 'dB'), row('output-sqnr', 42.2, 'dB', 'wasm'), row('bits-per-weight', 8.03125, 'bits')],
  });
  expect(text).toMatch(/^suite\s+case\s+backend\s+size\s+metric\s+value\s+bound\s+of bound$/m);
  expect(text).toMatch(/^quantization\s+int8-channel\s+js\s+gaussian 1024x1024\s+weight-sqnr\s+42\.1 dB$/m);
  expect(text).toMatch(/^quantization\s+int8-channel\s+wasm\s+gaussian 1024x1024\s+output-sqnr\s+42\.2 dB$/m);
  expect(text).toMatch(/^quantization\s+int8-channel\s+js\s+gaussian 1024x1024\s+bits-per-weight\s+8\.03 bits$/m);
});

test('one figure per case needs no metric column', () => {
  const text = formatBenchReport({ command: 'whittle bench --suite kernels', machine, rows: [row('throughput', 2e8, 'params/s')] });
  expect(text).toMatch(/^suite\s+case\s+backend\s+size\s+value\s+bound\s+of bound$/m);
});
