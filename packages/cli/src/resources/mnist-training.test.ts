import { decodeToFloat32, type Model } from '@whittle/core';
import { readTfjsModelFile } from '@whittle/core/fs';
import { loadMnistDigits, mnistAccuracy, splitDigits, type Digits } from '@whittle/bench';
import { checkTrainingData, type TrainingData } from '@whittle/core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';
import { resourcesFromFlags } from './compress-resources.ts';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const MLP = join(EXAMPLES, 'mlp');
const RECIPE = join(EXAMPLES, 'prune-gradual.json');

let directory: string;
let float: Model;
let digits: { train: Digits; test: Digits };
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-gradual-'));
  float = await readTfjsModelFile(join(MLP, 'model.json'));
  // The split --data mnist trains on (seed 7, first 8,000) and the 2,000 digits it holds out.
  digits = splitDigits(await loadMnistDigits(), { train: 8000, test: 2000, seed: 7 });
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('--data mnist as training data', () => {
  test('gives 8,000 labelled digits with one-hot targets and a loss, beside the calibration', async () => {
    const resources = await resourcesFromFlags({ data: 'mnist' });
    expect(Object.keys(resources).sort()).toEqual(['calibration', 'training']);
    checkTrainingData(resources.training);
    const { batches, loss } = resources.training as TrainingData;
    expect(typeof loss).toBe('function');
    let row = 0;
    for (const batch of batches as unknown as readonly { inputs: { shape: number[]; data: Float32Array }; targets: { shape: number[]; data: Float32Array } }[]) {
      const rows = batch.inputs.shape[0]!;
      expect(batch.inputs.shape).toEqual([rows, 784]);
      expect(batch.targets.shape).toEqual([rows, 10]);
      for (let index = 0; index < rows; index++, row++) {
        const target = Array.from(batch.targets.data.subarray(index * 10, index * 10 + 10));
        expect(target).toEqual(Array.from({ length: 10 }, (_, label) => (label === digits.train.labels[row] ? 1 : 0)));
        expect(batch.inputs.data[index * 784 + 300]).toBe(digits.train.images[row * 784 + 300]);
      }
    }
    expect(row).toBe(8000);
  });

  test('prune.gradual from the command line: 90% sparse kernels stored sparse, accuracy on held-out digits kept', async () => {
    const output = join(directory, 'gradual');
    const { status, err } = await runRecorded('compress', MLP, '--recipe', RECIPE, '--data', 'mnist', '-o', output, '--quiet');
    expect(err).toBe('');
    expect(status).toBe(0);
    const pruned = await readTfjsModelFile(join(output, 'model.json'));
    for (const name of ['dense_1/kernel', 'dense_2/kernel']) {
      const param = pruned.params.get(name)!;
      expect(param.value.kind).toBe('sparse');
      const values = decodeToFloat32(param.value).data;
      expect(Math.abs(values.filter((value) => value === 0).length - 0.9 * values.length)).toBeLessThanOrEqual(1);
    }
    const before = await mnistAccuracy(float, digits.test);
    expect(before).toBeGreaterThan(85);
    expect(await mnistAccuracy(pruned, digits.test)).toBeGreaterThan(before - 2);
  });

  test('a missing training resource names the flag, before the model is read', async () => {
    const { status, out, err } = await runRecorded('compress', join(directory, 'no-such-model'), '--recipe', RECIPE, '-o', join(directory, 'missing'));
    expect(status).toBe(1);
    expect(out).toBe('');
    expect(err).toBe('whittle: step 1: --data: prune.gradual needs training data: pass --data mnist\n');
  });
});
