import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { InspectReport } from '../model-files/inspect-model.ts';
import { runRecorded } from '../test-io.ts';
import { buildLayersModel, saveLayersModel, writeTestSafetensors } from '../test-models.ts';

let directory: string;
let tfjsModel: string;
let safetensors: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-inspect-'));
  tfjsModel = join(directory, 'mlp');
  await saveLayersModel(await buildLayersModel(), tfjsModel);
  safetensors = join(directory, 'model.safetensors');
  await writeTestSafetensors(safetensors);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('a TFJS LayersModel saved by tfjs-layers', () => {
  test('the table lists every param with its role, shape, encoding, size and bits per weight, and totals', async () => {
    const { status, out, err } = await runRecorded('inspect', tfjsModel);
    expect(err).toBe('');
    expect(status).toBe(0);
    expect(out).toMatch(new RegExp(`^model: ${tfjsModel} \\(tfjs-layers\\), 4 tensors$`, 'm'));
    expect(out).toMatch(/^name\s+role\s+shape\s+encoding\s+params\s+bytes\s+bits\/weight$/m);
    expect(out).toMatch(/^hidden\/kernel\s+dense-kernel\s+\[32, 64\]\s+dense float32\s+2,048\s+8\.19 kB\s+32\.00$/m);
    expect(out).toMatch(/^hidden\/bias\s+bias\s+\[64\]\s+dense float32\s+64\s+256 B\s+32\.00$/m);
    expect(out).toMatch(/^logits\/kernel\s+dense-kernel\s+\[64, 10\]\s+dense float32\s+640\s+2\.56 kB\s+32\.00$/m);
    expect(out).toMatch(/^total\s+2,762\s+11\.0 kB\s+32\.00$/m);
  });

  test('--json gives the format, totals and one entry per tensor; model.json and its directory read alike', async () => {
    const fromDirectory = await runRecorded('inspect', tfjsModel, '--json');
    const fromFile = await runRecorded('inspect', join(tfjsModel, 'model.json'), '--json');
    expect(fromDirectory.status).toBe(0);
    expect(fromFile.out).toBe(fromDirectory.out);
    const report = JSON.parse(fromDirectory.out) as InspectReport;
    expect(report).toEqual({
      format: 'tfjs-layers',
      params: 2762,
      bytes: 2762 * 4,
      tensors: [
        { name: 'hidden/kernel', role: 'dense-kernel', shape: [32, 64], encoding: 'dense float32', params: 2048, bytes: 8192 },
        { name: 'hidden/bias', role: 'bias', shape: [64], encoding: 'dense float32', params: 64, bytes: 256 },
        { name: 'logits/kernel', role: 'dense-kernel', shape: [64, 10], encoding: 'dense float32', params: 640, bytes: 2560 },
        { name: 'logits/bias', role: 'bias', shape: [10], encoding: 'dense float32', params: 10, bytes: 40 },
      ],
    });
  });
});

describe('a safetensors file written by core', () => {
  test('--json lists roles inferred from names, encodings from whittle metadata, and the bytes in the file', async () => {
    const { status, out } = await runRecorded('inspect', safetensors, '--json');
    expect(status).toBe(0);
    const report = JSON.parse(out) as InspectReport;
    expect(report.format).toBe('safetensors');
    expect(report.tensors.map(({ name, role, shape, encoding, params }) => [name, role, shape, encoding, params])).toEqual([
      ['embed.weight', 'embedding', [100, 16], 'affine uint8 per-tensor', 1600],
      ['encoder.weight', 'linear-weight', [64, 16], 'dense float32', 1024],
      ['encoder.bias', 'bias', [64], 'dense float32', 64],
      ['head.weight', 'linear-weight', [10, 64], 'dense float32', 640],
      ['head.bias', 'bias', [10], 'dense float32', 10],
    ]);
    // The uint8 codes plus a float64 scale and offset.
    expect(report.tensors[0]!.bytes).toBe(1600 + 8 + 8);
    expect(report.params).toBe(1600 + 1024 + 64 + 640 + 10);
    expect(report.bytes).toBe(report.tensors.reduce((total, tensor) => total + tensor.bytes, 0));
    // Every byte of the data section belongs to a tensor: the header is the rest of the file.
    expect(report.bytes).toBeLessThan((await stat(safetensors)).size);
  });

  test('the table shows the same, with bits per weight', async () => {
    const { status, out } = await runRecorded('inspect', safetensors);
    expect(status).toBe(0);
    expect(out).toMatch(/^embed\.weight\s+embedding\s+\[100, 16\]\s+affine uint8 per-tensor\s+1,600\s+1\.62 kB\s+8\.08$/m);
    expect(out).toMatch(/^total\s+3,338\s+8\.57 kB\s+20\.53$/m);
  });
});
