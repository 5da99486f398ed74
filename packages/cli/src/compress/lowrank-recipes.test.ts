import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensorsFile, readTfjsModelFile } from '@whittle/core/fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';
import { createTestWorkspace, loadWithPlainTfjs, predict } from '../test-models.ts';
import type { CompressReport } from './compress-report.ts';

const EXAMPLE = fileURLToPath(new URL('../../../../examples/lowrank-svd.json', import.meta.url));

let directory: string;
let outputs: string;
let tfjsModel: string;
let safetensors: string;

beforeAll(async () => {
  ({ directory, tfjsModel, safetensors } = await createTestWorkspace('whittle-lowrank-'));
  outputs = join(directory, 'out');
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('whittle compress with lowrank.svd', () => {
  test('the example recipe factorizes the Dense layers into a model plain tfjs loads and runs', async () => {
    const output = join(outputs, 'mlp-lowrank');
    const { status, out } = await runRecorded('compress', join(tfjsModel, 'model.json'), '--recipe', EXAMPLE, '-o', output, '--json');
    expect(status).toBe(0);
    const report = JSON.parse(out) as CompressReport;
    expect(report.steps.map(({ kind }) => kind)).toEqual(['lowrank.svd']);
    const written = await readTfjsModelFile(join(output, 'model.json'));
    expect([...written.params.keys()].some((name) => name.startsWith('hidden_lowrank_a/'))).toBe(true);
    const loaded = await loadWithPlainTfjs(output);
    try {
      expect(loaded.layers.map((layer) => layer.name)).toEqual(['hidden_lowrank_a', 'hidden_lowrank_b', 'logits_lowrank_a', 'logits_lowrank_b']);
      const predictions = await predict(loaded);
      expect(predictions.length).toBe(80);
      expect(predictions.every(Number.isFinite)).toBe(true);
      // Half the kernels' parameters: 2,688 → at most 1,344, biases kept.
      const kernels = loaded.layers.reduce((sum, layer) => sum + layer.getWeights().filter((weight) => weight.rank === 2).reduce((size, weight) => size + weight.size, 0), 0);
      expect(kernels).toBeLessThanOrEqual(1344);
    } finally {
      loaded.dispose();
    }
  });

  test('a safetensors checkpoint streams into lowrank encodings', async () => {
    const output = join(outputs, 'lowrank.safetensors');
    const { status, out } = await runRecorded('compress', safetensors, '--recipe', '{"kind":"lowrank.svd","rank":4,"rewrite":false}', '-o', output, '--json');
    expect(status).toBe(0);
    const report = JSON.parse(out) as CompressReport;
    expect(report.steps[0]!.notes).toEqual([]);
    const written = await readSafetensorsFile(output);
    expect(written.params.get('encoder.weight')!.value.kind).toBe('lowrank');
    expect(written.params.get('head.weight')!.value.kind).toBe('lowrank');
    expect(written.params.get('embed.weight')!.value.kind).toBe('lowrank');
    expect(written.params.get('head.bias')!.value.kind).toBe('dense');
  });

  test('a bad step is one line naming the step and the field, and writes nothing', async () => {
    const output = join(outputs, 'never');
    const { status, err } = await runRecorded('compress', tfjsModel, '--recipe', '{"kind":"lowrank.svd","rank":4,"energy":0.9}', '-o', output);
    expect(status).not.toBe(0);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/step 1: energy: give one of rank, energy, budget, tolerance, not both rank and energy/);
    await expect(readTfjsModelFile(join(output, 'model.json'))).rejects.toThrow();
  });
});
