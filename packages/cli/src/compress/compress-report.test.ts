import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { getParam } from '@whittle/core';
import { readTfjsModelFile } from '@whittle/core/fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatCompressReport } from '../format/compress-report.ts';
import { runRecorded } from '../test-io.ts';
import { createTestWorkspace } from '../test-models.ts';
import { compressReport, gzipByteLength, type CompressReport } from './compress-report.ts';

const PRUNE = '[{"kind":"prune.magnitude","sparsity":0.9}]';

let directory: string;
let outputs: string;
let tfjsModel: string;
let safetensors: string;

beforeAll(async () => {
  ({ directory, tfjsModel, safetensors } = await createTestWorkspace('whittle-gzip-'));
  outputs = join(directory, 'out');
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Reference: every file of the output gzipped on its own by node:zlib, summed. */
async function gzippedFiles(paths: readonly string[]): Promise<number> {
  let total = 0;
  for (const path of paths) total += gzipSync(await readFile(path)).byteLength;
  return total;
}

describe('the gzip figure of whittle compress', () => {
  test('of a TFJS output is every written file (model.json and shards) gzipped and summed, in JSON and text', async () => {
    const output = join(outputs, 'mlp-pruned');
    const { status, out } = await runRecorded('compress', tfjsModel, '--recipe', PRUNE, '-o', output, '--json', '--shard-size', '0.00390625');
    expect(status).toBe(0);
    const report = JSON.parse(out) as CompressReport;
    const files = (await readdir(output)).map((name) => join(output, name));
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(report.output.gzipBytes).toBe(await gzippedFiles(files));
    // 90% of the kernels pruned: the download is far below the dense float32 weights.
    expect(report.output.gzipBytes).toBeLessThan(report.input.bytes / 2);

    const text = await runRecorded('compress', tfjsModel, '--recipe', PRUNE, '-o', join(outputs, 'mlp-pruned-text'));
    expect(text.out).toMatch(/^gzip: {3}\d[\d.,]* k?B to download \(each written file gzipped\)$/m);
  });

  test('of a safetensors output is the file gzipped', async () => {
    const output = join(outputs, 'pruned.safetensors');
    const { status, out } = await runRecorded('compress', safetensors, '--recipe', PRUNE, '-o', output, '--json');
    expect(status).toBe(0);
    const report = JSON.parse(out) as CompressReport;
    expect(report.output.gzipBytes).toBe(await gzippedFiles([output]));
    expect(report.steps.map(({ kind }) => kind)).toEqual(['prune.magnitude']);
  });

  test('of prune → k-means, one recipe: sparse params whose stored values share 16 values, smaller again', async () => {
    const output = join(outputs, 'mlp-pruned-shared');
    const recipe = '[{"kind":"prune.magnitude","sparsity":0.9,"storage":{"valueBits":4}},{"kind":"quantize.kmeans","bits":4}]';
    const { status, out } = await runRecorded('compress', tfjsModel, '--recipe', recipe, '-o', output, '--json');
    expect(status).toBe(0);
    const report = JSON.parse(out) as CompressReport;
    expect(report.steps.map(({ kind }) => kind)).toEqual(['prune.magnitude', 'quantize.kmeans']);
    expect(report.steps[1]!.bytes).toBeLessThan(report.steps[0]!.bytes);
    expect(report.output.gzipBytes).toBe(await gzippedFiles((await readdir(output)).map((name) => join(output, name))));
    const model = await readTfjsModelFile(join(output, 'model.json'));
    expect(getParam(model, 'hidden/kernel').value).toMatchObject({ kind: 'sparse', values: { kind: 'codebook', bits: 4 } });
  });

  test('gzipByteLength of no files is 0, and of a missing file an error', async () => {
    expect(await gzipByteLength([])).toBe(0);
    await expect(gzipByteLength([join(outputs, 'missing.bin')])).rejects.toThrow(/ENOENT/);
  });

  test('the text report prints the figure on its own line', () => {
    const report = compressReport({ params: 10, bytes: 40 }, { params: 10, bytes: 20, gzipBytes: 1234 }, []);
    expect(formatCompressReport({ input: 'in', output: 'out', report }).split('\n').slice(0, 3)).toEqual([
      'input:  in: 10 params, 40 B',
      'output: out: 10 params, 20 B (2.00× smaller)',
      'gzip:   1.23 kB to download (each written file gzipped)',
    ]);
  });
});
