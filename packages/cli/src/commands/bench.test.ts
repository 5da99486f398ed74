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
