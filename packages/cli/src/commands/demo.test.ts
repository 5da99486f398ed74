import { beforeAll, expect, test } from 'vitest';
import { formatDemoReport } from '../format/demo-report.ts';
import { runCli } from '../run-cli.ts';
import { recordingIo } from '../test-io.ts';
import type { DemoReport } from './demo.ts';

async function demo(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const io = recordingIo();
  const status = await runCli(['demo', ...argv], io);
  return { status, out: io.out(), err: io.err() };
}

/** A report with its timings zeroed: everything else is the same on every run. */
function withoutTimings(text: string): unknown {
  return JSON.parse(text, (key, value) => (key === 'compressSeconds' || key === 'seconds' ? 0 : value));
}

const PARAMS = 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10;
// Training takes a few seconds on wasm: train once, and check the one report from every side.
let wasmRun: { status: number; out: string; err: string };
beforeAll(async () => {
  wasmRun = await demo('--json');
}, 120_000);

test('--json reports the trained model and every variant, computed end to end', () => {
  const { status, out, err } = wasmRun;
  expect(status).toBe(0);
  // stderr holds progress only: training batches, then each variant's params, as they happen.
  const progressLines = err.trimEnd().split('\n');
  expect(progressLines.every((line) => line.startsWith('demo: '))).toBe(true);
  expect(err).toMatch(/^demo: training: batch \(1\/126\)$/m);
  expect(err).toMatch(/^demo: training: batch \(126\/126\)$/m);
  for (const variant of ['float16', 'bfloat16', 'int8', 'int4-g32', 'kmeans-4bit']) {
    expect(err).toMatch(new RegExp(`^demo: ${variant}: dense_3/kernel \\(3/3\\)$`, 'm'));
  }
  const report = JSON.parse(out) as DemoReport;
  expect(report.backend).toMatchObject({ name: 'wasm', simd: true });
  expect(report.model).toEqual({ layers: [784, 128, 64, 10], params: PARAMS, seed: 42 });
  expect(report.training).toMatchObject({ digits: 8000, epochs: 2 });
  expect(report.training.seconds).toBeGreaterThan(0);
  expect(report.inputs).toEqual({ digits: 2000, seed: 7 });
  expect(report.variants.map(({ variant }) => variant)).toEqual(['float32', 'float16', 'bfloat16', 'int8', 'int4-g32', 'kmeans-4bit']);

  const [baseline, half, brain, int8, int4, shared] = report.variants as unknown as Array<Record<string, number>>;
  // The baseline is the model itself: exact, and its outputs agree with themselves.
  expect(baseline).toMatchObject({
    bytes: 4 * PARAMS,
    bitsPerWeight: 32,
    ratio: 1,
    // JSON has no Infinity: an exact variant's SQNR is null.
    weightSqnrDb: null,
    weightMaxAbsError: 0,
    top1AgreementPercent: 100,
    logitsMaxAbsDiff: 0,
  });
  // Trained on real digits, the model is a real classifier.
  expect(baseline!.top1AccuracyPercent).toBeGreaterThan(88);
  for (const variant of [half!, brain!, int8!, int4!, shared!]) {
    expect(variant.params).toBe(PARAMS);
    expect(variant.weightMaxAbsError).toBeGreaterThan(0);
    expect(variant.top1AgreementPercent).toBeGreaterThanOrEqual(97);
    expect(Math.abs(variant.top1AccuracyPercent! - baseline!.top1AccuracyPercent!)).toBeLessThan(1.5);
  }
  // Kernels shrink (biases stay float32): 2× for 16-bit floats, about 4× for int8, 7–8× at 4 bits.
  expect([half!.ratio, brain!.ratio]).toEqual([expect.closeTo(1.99, 1), expect.closeTo(1.99, 1)]);
  expect(int8!.ratio).toBeGreaterThan(3.9);
  expect(int4!.bitsPerWeight).toBeLessThan(4.6);
  expect(shared!.bitsPerWeight).toBeLessThan(4.1);
  // About 6 dB of weight SQNR per bit of precision kept.
  expect(half!.weightSqnrDb).toBeGreaterThan(brain!.weightSqnrDb! + 12);
  expect(brain!.weightSqnrDb).toBeGreaterThan(int8!.weightSqnrDb!);
  expect(int8!.weightSqnrDb).toBeGreaterThan(int4!.weightSqnrDb! + 15);
});

test('the table names the training, the test digits and each variant with its figures', () => {
  const text = formatDemoReport(JSON.parse(wasmRun.out, (key, value) => (key === 'weightSqnrDb' && value === null ? Infinity : value)) as DemoReport);
  expect(text).toMatch(/^model: MLP classifier 784 → 128 → 64 → 10 \(ReLU\), 109,386 params, seed 42$/m);
  expect(text).toMatch(/^trained: 8,000 MNIST digits, 2 epochs, Adam; \d+\.\d s on wasm \(SIMD on, threads off\)$/m);
  expect(text).toMatch(/^tested: 2,000 held-out MNIST digits \(split seed 7\)$/m);
  expect(text).toMatch(/^float32\s+109,386\s+438 kB\s+32\.00\s+1\.00×\s+∞ dB\s+\d\d\.\d\d%\s+100\.00%\s+0$/m);
  for (const variant of ['float16', 'bfloat16', 'int8', 'int4-g32', 'kmeans-4bit']) {
    expect(text).toMatch(new RegExp(`^${variant}\\s+109,386\\s`, 'm'));
  }
});

test('the same seeds give the same report', async () => {
  const again = await demo('--json');
  expect(withoutTimings(again.out)).toEqual(withoutTimings(wasmRun.out));
});

// The cpu backend trains the same model about 4× slower: one run, to check that it works there.
test('--backend cpu trains and compares on the cpu backend', async () => {
  const { status, out } = await demo('--backend', 'cpu', '--json');
  expect(status).toBe(0);
  const report = JSON.parse(out) as DemoReport;
  expect(report.backend.name).toBe('cpu');
  expect(report.variants).toHaveLength(6);
  expect(report.variants[0]!.top1AccuracyPercent).toBeGreaterThan(88);
}, 180_000);
