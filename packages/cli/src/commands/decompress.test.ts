import { openSafetensorsFile } from '@whittle/core/fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DecompressReport } from '../compress/decompress-file.ts';
import { FAILURE, USAGE_ERROR } from '../run-cli.ts';
import { runRecorded } from '../test-io.ts';
import { createTestWorkspace, loadWithPlainTfjs, predict } from '../test-models.ts';

let directory: string;
let tfjsModel: string;
let safetensors: string;
let original: Float32Array;

beforeAll(async () => {
  ({ directory, tfjsModel, safetensors, original } = await createTestWorkspace('whittle-decompress-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const out = (name: string): string => join(directory, 'out', name);

async function manifestEntries(model: string): Promise<Array<{ name: string; dtype: string; quantization?: { dtype: string } }>> {
  const json = JSON.parse(await readFile(join(model, 'model.json'), 'utf8')) as { weightsManifest: Array<{ weights: [] }> };
  return json.weightsManifest.flatMap((group) => group.weights);
}

describe('TFJS', () => {
  test('a whittle-only encoding (bfloat16), which plain tfjs refuses, decompresses to dense float32 that it loads', async () => {
    expect((await runRecorded('compress', tfjsModel, '--recipe', '[{"kind":"cast","dtype":"bfloat16"}]', '-o', out('bf16'))).status).toBe(0);
    await expect(loadWithPlainTfjs(out('bf16'))).rejects.toThrow(/whittle\/|dtype/);

    const { status, out: text } = await runRecorded('decompress', out('bf16'), '-o', out('bf16-plain'));
    expect(status).toBe(0);
    expect(text).toMatch(/^output: .*bf16-plain\/model\.json: 2,762 params, 11\.0 kB, float params stored as float32$/m);
    expect((await manifestEntries(out('bf16-plain'))).map(({ dtype, quantization }) => [dtype, quantization])).toEqual([
      ['float32', undefined],
      ['float32', undefined],
      ['float32', undefined],
      ['float32', undefined],
    ]);
    const predictions = await predict(await loadWithPlainTfjs(out('bf16-plain')));
    const worst = Math.max(...predictions.map((value, index) => Math.abs(value - original[index]!)));
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(5e-2);
  });

  test('float16 back to float32 gives exactly the float16 model, and --dtype uint8 writes stock uint8', async () => {
    expect((await runRecorded('compress', tfjsModel, '--recipe', '[{"kind":"cast","dtype":"float16"}]', '-o', out('f16'))).status).toBe(0);
    const { status, out: json } = await runRecorded('decompress', out('f16'), '-o', out('f16-plain'), '--json');
    expect(status).toBe(0);
    const report = JSON.parse(json) as DecompressReport;
    expect(report).toEqual({ input: { params: 2762, bytes: 5672 }, output: { params: 2762, bytes: 11048 }, dtype: 'float32' });
    expect(await predict(await loadWithPlainTfjs(out('f16-plain')))).toEqual(await predict(await loadWithPlainTfjs(out('f16'))));

    expect((await runRecorded('decompress', out('f16'), '-o', out('u8'), '--dtype', 'uint8')).status).toBe(0);
    expect((await manifestEntries(out('u8'))).map((entry) => entry.quantization?.dtype)).toEqual(['uint8', 'uint8', 'uint8', 'uint8']);
    const predictions = await predict(await loadWithPlainTfjs(out('u8')));
    expect(Math.max(...predictions.map((value, index) => Math.abs(value - original[index]!)))).toBeLessThan(0.1);
  });

  test('mistakes: the input as output, an existing output without --force, an unknown dtype', async () => {
    const itself = await runRecorded('decompress', tfjsModel, '-o', tfjsModel, '--force');
    expect(itself.status).toBe(FAILURE);
    expect(itself.err).toMatch(/^whittle: .*: the output is the input .*\n$/);
    expect((await runRecorded('decompress', tfjsModel, '-o', out('again'))).status).toBe(0);
    expect((await runRecorded('decompress', tfjsModel, '-o', out('again'))).err).toMatch(/the output exists already; pass --force/);
    const badType = await runRecorded('decompress', tfjsModel, '-o', out('x'), '--dtype', 'int4');
    expect(badType.status).toBe(USAGE_ERROR);
    expect(badType.err).toMatch(/^whittle: option '--dtype <dtype>' argument 'int4' is invalid\. Allowed choices are float32, float16, uint8\.\n$/);
  });
});

describe('safetensors', () => {
  test('every float param (the uint8 embedding included) comes back dense float32, streamed', async () => {
    const { status, out: json } = await runRecorded('decompress', safetensors, '-o', out('plain.safetensors'), '--json');
    expect(status).toBe(0);
    expect((JSON.parse(json) as DecompressReport).output).toEqual({ params: 3338, bytes: 3338 * 4 });
    const [input, output] = [await openSafetensorsFile(safetensors), await openSafetensorsFile(out('plain.safetensors'))];
    try {
      expect([...output.header.tensors.values()].map(({ name, dtype }) => [name, dtype])).toEqual([
        ['embed.weight', 'F32'],
        ['encoder.weight', 'F32'],
        ['encoder.bias', 'F32'],
        ['head.weight', 'F32'],
        ['head.bias', 'F32'],
      ]);
      expect(output.header.metadata).toEqual({ format: 'pt' });
      expect((await output.readTensor('head.weight')).data).toEqual((await input.readTensor('head.weight')).data);
    } finally {
      await input.close();
      await output.close();
    }
  });

  test('float16 halves the weights; uint8 has no plain safetensors form', async () => {
    const { status, out: json } = await runRecorded('decompress', safetensors, '-o', out('half.safetensors'), '--dtype', 'float16', '--json');
    expect(status).toBe(0);
    expect((JSON.parse(json) as DecompressReport).output).toEqual({ params: 3338, bytes: 3338 * 2 });
    const refused = await runRecorded('decompress', safetensors, '-o', out('u8.safetensors'), '--dtype', 'uint8');
    expect(refused.status).toBe(FAILURE);
    expect(refused.err).toBe('whittle: --dtype: uint8 is a TFJS stock form; a safetensors model decompresses to float32 or float16\n');
  });
});
