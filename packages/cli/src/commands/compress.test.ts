import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSafetensorsFile } from '@whittle/core/fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CompressReport } from '../compress/compress-report.ts';
import { runRecorded } from '../test-io.ts';
import { createTestWorkspace, loadWithPlainTfjs, predict } from '../test-models.ts';

const CAST_FLOAT16 = '[{"kind":"cast","dtype":"float16"}]';

let directory: string;
/** Outputs go here: one beside an input would need --force. */
let outputs: string;
let tfjsModel: string;
let safetensors: string;
let original: Float32Array;

beforeAll(async () => {
  ({ directory, tfjsModel, safetensors, original } = await createTestWorkspace('whittle-compress-'));
  outputs = join(directory, 'out');
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function shardBytes(modelDirectory: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(modelDirectory)) if (name.endsWith('.bin')) total += (await stat(join(modelDirectory, name))).size;
  return total;
}

describe('a TFJS model', () => {
  test('cast to float16 writes stock float16 that plain tf.loadLayersModel loads, in half the bytes', async () => {
    const output = join(outputs, 'mlp-f16');
    const { status, out, err } = await runRecorded('compress', tfjsModel, '--recipe', CAST_FLOAT16, '-o', output, '--json');
    expect(status).toBe(0);
    expect(err).toMatch(/^compress: cast: 11\.0 kB → 5\.67 kB in \d+\.\d{3} s$/m);
    const report = JSON.parse(out) as CompressReport;
    // Kernels halve; the 74 biases stay float32.
    expect(report.input).toEqual({ params: 2762, bytes: 2762 * 4 });
    expect(report.output).toEqual({ params: 2762, bytes: 2688 * 2 + 74 * 4, gzipBytes: expect.any(Number) });
    expect(report.ratio).toBeCloseTo((2762 * 4) / (2688 * 2 + 74 * 4), 10);
    expect(report.steps).toEqual([{ kind: 'cast', bytes: 2688 * 2 + 74 * 4, seconds: expect.any(Number), notes: [] }]);
    expect(await shardBytes(output)).toBe(report.output.bytes);
    expect(await shardBytes(tfjsModel)).toBe(report.input.bytes);

    const loaded = await loadWithPlainTfjs(output);
    const predictions = await predict(loaded);
    const worst = Math.max(...predictions.map((value, index) => Math.abs(value - original[index]!)));
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(1e-2);
  });

  test('the text report gives sizes, the ratio and each step; --shard-size sets the shard size', async () => {
    const output = join(outputs, 'mlp-f16-shards');
    const { status, out } = await runRecorded('compress', join(tfjsModel, 'model.json'), '--recipe', CAST_FLOAT16, '-o', output, '--shard-size', '0.00390625');
    expect(status).toBe(0);
    expect(out).toMatch(new RegExp(`^input: {2}${tfjsModel}/model\\.json: 2,762 params, 11\\.0 kB$`, 'm'));
    expect(out).toMatch(new RegExp(`^output: ${output}/model\\.json: 2,762 params, 5\\.67 kB \\(1\\.95× smaller\\)$`, 'm'));
    expect(out).toMatch(/^ {3}1\s+cast\s+5\.67 kB\s+\d+\.\d{3}$/m);
    // 5,672 bytes in shards of 4 KiB, the smallest --shard-size.
    expect((await readdir(output)).filter((name) => name.endsWith('.bin'))).toHaveLength(2);
    expect(await predict(await loadWithPlainTfjs(output))).toEqual(await predict(await loadWithPlainTfjs(join(outputs, 'mlp-f16'))));
  });
});

describe('a safetensors file', () => {
  test('streams through the recipe, one param at a time, keeping encodings it does not touch', async () => {
    const recipe = join(outputs, 'half.json');
    await writeFile(recipe, CAST_FLOAT16);
    const output = join(outputs, 'model-f16.safetensors');
    const { status, out } = await runRecorded('compress', safetensors, '--recipe', recipe, '-o', output, '--json');
    expect(status).toBe(0);
    const report = JSON.parse(out) as CompressReport;
    const file = await openSafetensorsFile(output);
    try {
      const dtypes = Object.fromEntries([...file.header.tensors.values()].map((tensor) => [tensor.name, tensor.dtype]));
      expect(dtypes).toEqual({
        'embed.weight#codes': 'U8',
        'embed.weight#scales': 'F64',
        'embed.weight#offsets': 'F64',
        'encoder.weight': 'F16',
        'encoder.bias': 'F32',
        'head.weight': 'F16',
        'head.bias': 'F32',
      });
      expect(file.header.metadata).toEqual({ format: 'pt' });
      const bytes = [...file.header.params.values()].reduce((total, param) => total + param.byteLength, 0);
      expect(report.output).toEqual({ params: 3338, bytes, gzipBytes: expect.any(Number) });
    } finally {
      await file.close();
    }
    expect(report.input).toEqual({ params: 3338, bytes: 1616 + (1024 + 64 + 640 + 10) * 4 });
    expect(report.steps).toEqual([{ kind: 'cast', bytes: report.output.bytes, seconds: expect.any(Number), notes: [] }]);
    expect(report.ratio).toBeCloseTo(report.input.bytes / report.output.bytes, 10);
  });

  test('-o naming a directory writes the file there under the input name', async () => {
    const { status } = await runRecorded('compress', safetensors, '--recipe', '[]', '-o', outputs);
    expect(status).toBe(0);
    expect((await stat(join(outputs, 'model.safetensors'))).isFile()).toBe(true);
  });
});
