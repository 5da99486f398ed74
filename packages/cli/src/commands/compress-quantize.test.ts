import { openSafetensorsFile } from '@whittle/core/fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CompressReport } from '../compress/compress-report.ts';
import { runRecorded } from '../test-io.ts';
import { createTestWorkspace, loadWithPlainTfjs, predict } from '../test-models.ts';

// The CLI imports @whittle/quantize/register: its kinds run like core's own.
let directory: string;
let tfjsModel: string;
let safetensors: string;
let original: Float32Array;

beforeAll(async () => {
  ({ directory, tfjsModel, safetensors, original } = await createTestWorkspace('whittle-compress-quantize-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

test('quantize.uint8 writes stock uint8 kernels that plain tf.loadLayersModel reads', async () => {
  const output = join(directory, 'out', 'mlp-u8');
  const { status, out } = await runRecorded('compress', tfjsModel, '--recipe', '[{"kind":"quantize.uint8"}]', '-o', output, '--json');
  expect(status).toBe(0);
  const report = JSON.parse(out) as CompressReport;
  expect(report.steps.map(({ kind }) => kind)).toEqual(['quantize.uint8']);
  expect(report.ratio).toBeGreaterThan(3);
  const json = JSON.parse(await readFile(join(output, 'model.json'), 'utf8')) as { weightsManifest: Array<{ weights: Array<{ name: string; quantization?: { dtype: string } }> }> };
  const quantized = json.weightsManifest[0]!.weights.map((entry) => [entry.name, entry.quantization?.dtype]);
  expect(quantized).toEqual([
    ['hidden/kernel', 'uint8'],
    ['hidden/bias', undefined],
    ['logits/kernel', 'uint8'],
    ['logits/bias', undefined],
  ]);
  const predictions = await predict(await loadWithPlainTfjs(output));
  expect(Math.max(...predictions.map((value, index) => Math.abs(value - original[index]!)))).toBeLessThan(0.1);
});

test('quantize.affine streams a safetensors file param by param into 4-bit groups', async () => {
  const output = join(directory, 'out', 'model-int4.safetensors');
  const recipe = '[{"kind":"quantize.affine","bits":4,"granularity":{"kind":"group","size":16}}]';
  const { status, out, err } = await runRecorded('compress', safetensors, '--recipe', recipe, '-o', output, '--json');
  expect(status).toBe(0);
  expect(err).not.toMatch(/whole model/);
  const report = JSON.parse(out) as CompressReport;
  expect(report.ratio).toBeGreaterThan(2);
  const file = await openSafetensorsFile(output);
  try {
    expect(file.header.params.get('encoder.weight')?.encoding).toMatchObject({ kind: 'affine', bits: 4, granularity: { kind: 'group', size: 16 } });
    expect(file.header.params.get('encoder.bias')?.encoding).toBeUndefined();
  } finally {
    await file.close();
  }
  const inspected = await runRecorded('inspect', output);
  expect(inspected.out).toMatch(/^encoder\.weight\s+linear-weight\s+\[64, 16\]\s+affine u?int4 group 16\s/m);
});

test('an unknown kind lists the quantize kinds among the known ones', async () => {
  const { err } = await runRecorded('compress', tfjsModel, '--recipe', '[{"kind":"quantize.int3"}]', '-o', join(directory, 'out', 'x'));
  const known = /known kinds: ([^(]*) \(/.exec(err)?.[1]?.split(', ') ?? [];
  expect(known).toEqual(expect.arrayContaining(['cast', 'quantize.affine', 'quantize.float16', 'quantize.kmeans', 'quantize.uint8']));
});
