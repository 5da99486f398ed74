import { expect, test } from 'vitest';
import { runCli } from '../run-cli.ts';
import { recordingIo } from '../test-io.ts';
import type { BenchReport } from './bench.ts';

// Runs the real suite at its smallest, to check the report's shape; timings are not asserted.
test('whittle bench --suite backends --quick --json reports rows and the machine', async () => {
  const io = recordingIo();
  const status = await runCli(['bench', '--suite', 'backends', '--backend', 'cpu', '--quick', '--json'], io);
  expect(status).toBe(0);
  expect(io.err()).toMatch(/^bench: matmul 256x256 on cpu$/m);
  const report = JSON.parse(io.out()) as BenchReport;
  expect(report.command).toBe('whittle bench --suite backends --backend cpu --quick');
  expect(report.machine.cores).toBeGreaterThan(0);
  expect(report.machine.tfjsVersion).toMatch(/^\d+\.\d+\.\d+/);
  // JSON drops the undefined SIMD and threads flags of a non-wasm backend.
  expect(report.machine.backends).toEqual([{ name: 'cpu' }]);
  expect(report.rows.map((row) => [row.case, row.backend, row.unit])).toEqual([
    ['matmul', 'cpu', 'GFLOP/s'],
    ['cast-float16', 'js', 'params/s'],
    ['cast-bfloat16', 'js', 'params/s'],
  ]);
  for (const row of report.rows) expect(row.value).toBeGreaterThan(0);
  expect(report.rows[1]!.bound).toBeGreaterThan(0);
});

test('the table shows the machine, the command and each figure against its bound', async () => {
  const io = recordingIo();
  const status = await runCli(['bench', '--suite', 'backends', '--backend', 'cpu', '--quick'], io);
  expect(status).toBe(0);
  expect(io.out()).toMatch(/^cpu: .+ cores/m);
  expect(io.out()).toMatch(/^command: whittle bench --suite backends --backend cpu --quick$/m);
  expect(io.out()).toMatch(/^backends\s+cast-float16\s+js\s+1048576\s+.+ params\/s\s+.+ params\/s\s+\d+\.\d%$/m);
});

// The quick formats suite takes a few seconds (32 MiB and 128 MiB inputs): run it whole.
test('whittle bench --suite formats --quick --json: every case, peers and bounds, on the cpu backend by default', async () => {
  const io = recordingIo();
  const status = await runCli(['bench', '--suite', 'formats', '--quick', '--json'], io);
  expect(status).toBe(0);
  expect(io.err()).toMatch(/^bench: rewrite 128\.1 MiB with transformSafetensorsFile in a child process \(1 of 1\)$/m);
  const report = JSON.parse(io.out()) as BenchReport;
  expect(report.command).toBe('whittle bench --suite formats --quick');
  expect(report.machine.backends).toEqual([{ name: 'cpu' }]);
  expect(report.rows.map((row) => [row.case, row.size, row.unit, row.bound !== undefined, row.peer?.name])).toEqual([
    ['tfjs-read-decode-whittle', '32 MiB', 'MB/s', true, 'tf.io.decodeWeights'],
    ['tfjs-read-decode-tfjs', '32 MiB', 'MB/s', true, undefined],
    ['tfjs-decode-whittle', '32 MiB', 'MB/s', true, 'tf.io.decodeWeights'],
    ['tfjs-decode-tfjs', '32 MiB', 'MB/s', true, undefined],
    ['safetensors-rewrite', '128.1 MiB', 'MB/s', true, undefined],
    ['safetensors-rewrite-peak-rss', '128.1 MiB', 'MB', false, undefined],
    ['node-baseline-peak-rss', '-', 'MB', false, undefined],
  ]);
  for (const row of report.rows) expect(row.value).toBeGreaterThan(0);
});

test('the formats table adds the peer, its figure and the ratio', async () => {
  const { formatBenchReport } = await import('../format/bench-report.ts');
  const text = formatBenchReport({
    command: 'whittle bench --suite formats',
    machine: { cpu: 'test cpu', cores: 2, memoryBytes: 8e9, os: 'Linux', runtime: 'node', runtimeVersion: '20', tfjsVersion: '4.22.0', backends: [{ name: 'cpu', simd: undefined, threads: undefined }] },
    rows: [
      { suite: 'formats', case: 'tfjs-decode-whittle', backend: 'js', size: '256 MiB', metric: 'throughput', value: 1500, unit: 'MB/s', bound: 3000, peer: { name: 'tf.io.decodeWeights', value: 1000 } },
      { suite: 'formats', case: 'safetensors-rewrite-peak-rss', backend: 'js', size: '1024.3 MiB', metric: 'peak RSS', value: 312.4, unit: 'MB' },
    ],
  });
  expect(text).toMatch(/^formats\s+tfjs-decode-whittle\s+js\s+256 MiB\s+1,500 MB\/s\s+3,000 MB\/s\s+50\.0%\s+tf\.io\.decodeWeights\s+1,000 MB\/s\s+1\.50×$/m);
  expect(text).toMatch(/^formats\s+safetensors-rewrite-peak-rss\s+js\s+1024\.3 MiB\s+312 MB$/m);
});
