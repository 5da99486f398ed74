import { describe, expect, test } from 'vitest';
import { runCli } from '../run-cli.ts';
import { recordingIo } from '../test-io.ts';
import type { DemoReport } from './demo.ts';

async function demo(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const io = recordingIo();
  const status = await runCli(['demo', ...argv], io);
  return { status, out: io.out(), err: io.err() };
}

describe.each(['cpu', 'wasm'])('whittle demo on %s', (backend) => {
  test('--json reports every variant, computed end to end', async () => {
    const { status, out, err } = await demo('--json', '--backend', backend);
    expect(err).toBe('');
    expect(status).toBe(0);
    const report = JSON.parse(out) as DemoReport;
    expect(report.backend.name).toBe(backend);
    expect(report.model.layers).toEqual([784, 256, 128, 10]);
    expect(report.model.params).toBe(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
    expect(report.variants.map(({ variant }) => variant)).toEqual(['float32', 'float16', 'bfloat16']);

    const [baseline, half, brain] = report.variants;
    // The baseline is the model itself: exact, and its outputs agree with themselves.
    expect(baseline).toMatchObject({
      bytes: 4 * report.model.params,
      bitsPerWeight: 32,
      compressionRatio: 1,
      weightSqnrDb: 'Infinity',
      weightMaxAbsError: 0,
      top1AgreementPercent: 100,
      logitsMaxAbsDiff: 0,
    });
    // 16-bit storage of the kernels (biases stay float32) nearly halves the bytes.
    for (const variant of [half!, brain!]) {
      expect(variant.params).toBe(report.model.params);
      expect(variant.compressionRatio).toBeGreaterThan(1.9);
      expect(variant.compressionRatio).toBeLessThan(2);
      expect(variant.weightMaxAbsError).toBeGreaterThan(0);
      expect(variant.logitsMaxAbsDiff).toBeGreaterThan(0);
      expect(variant.top1AgreementPercent).toBeGreaterThanOrEqual(95);
    }
    // float16 keeps 10 mantissa bits, bfloat16 7: about 18 dB apart.
    expect(half!.weightSqnrDb).toBeGreaterThan(60);
    expect(brain!.weightSqnrDb).toBeGreaterThan(40);
    expect(half!.weightSqnrDb as number).toBeGreaterThan((brain!.weightSqnrDb as number) + 12);
  });
});

test('the table names each variant and its figures', async () => {
  const { status, out } = await demo('--backend', 'cpu');
  expect(status).toBe(0);
  expect(out).toMatch(/784 → 256 → 128 → 10/);
  expect(out).toMatch(/^float32\s+235,146\s+941 kB\s+32\.00\s+1\.00×\s+∞ dB\s+0\s+100\.0%\s+0$/m);
  expect(out).toMatch(/^float16\s/m);
  expect(out).toMatch(/^bfloat16\s/m);
});

test('the same seed gives the same report', async () => {
  const first = await demo('--json', '--backend', 'cpu');
  const second = await demo('--json', '--backend', 'cpu');
  const strip = (text: string) => JSON.parse(text, (key, value) => (key === 'compressSeconds' ? 0 : value));
  expect(strip(second.out)).toEqual(strip(first.out));
});
