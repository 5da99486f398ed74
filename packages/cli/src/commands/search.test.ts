import { loadMnistDigits, splitDigits, trainMnistMlp, type Digits } from '@whittle/bench';
import { modelByteLength, useBackend, type Recipe } from '@whittle/core';
import { readTfjsModelFile, writeTfjsModelFiles } from '@whittle/core/fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRecorded } from '../test-io.ts';
import { MNIST_SEARCH } from './search-data.ts';

let directory: string;
let modelDirectory: string;
let floatBytes: number;
let digits: Digits;

beforeAll(async () => {
  await useBackend('cpu');
  directory = await mkdtemp(join(tmpdir(), 'whittle-search-cli-'));
  digits = await loadMnistDigits();
  const { train } = splitDigits(digits, { train: 1000, test: 0, seed: MNIST_SEARCH.seed });
  // A small MNIST MLP (784 → 16 → 10), trained briefly: enough that accuracy means something.
  const mlp = await trainMnistMlp(train, { hiddenSizes: [16], epochs: 2, batchSize: 64, learningRate: 0.01, seed: 3 });
  modelDirectory = join(directory, 'mlp');
  await writeTfjsModelFiles(mlp.model, modelDirectory);
  floatBytes = modelByteLength(mlp.model);
  mlp.dispose();
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('whittle search', () => {
  it('finds a recipe under a byte budget that compress --recipe reproduces byte for byte', async () => {
    const budget = Math.floor(floatBytes / 6);
    const recipePath = join(directory, 'recipe.json');
    const svgPath = join(directory, 'pareto.svg');
    const cachePath = join(directory, 'sensitivity.json');
    const run = await runRecorded(
      'search', modelDirectory, '--max-bytes', String(budget), '--data', 'mnist', '--techniques', 'quantize',
      '--backend', 'cpu', '-o', recipePath, '--svg', svgPath, '--cache', cachePath, '--json',
    );
    expect(run.err).not.toMatch(/^whittle:/m);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.out) as { met: boolean; loss: string; recipe: Recipe; measured: { bytes: number; metric: number; divergence: number }; original: { metric: number }; candidates: { pareto: boolean }[] };
    expect(result.met).toBe(true);
    // A classifier's settings are ranked by the divergence of its outputs, measured on the digits.
    expect(result.loss).toBe('divergence');
    expect(result.measured.divergence).toBeGreaterThan(0);
    expect(result.measured.bytes).toBeLessThanOrEqual(budget);
    // 500 held-out digits: int4-ish weights keep most of the float model's accuracy.
    expect(result.measured.metric).toBeGreaterThan(result.original.metric - 0.1);
    expect(result.candidates.some(({ pareto }) => pareto)).toBe(true);
    const recipe = JSON.parse(await readFile(recipePath, 'utf8')) as Recipe;
    expect(recipe).toEqual(result.recipe);

    const output = join(directory, 'small');
    const compressed = await runRecorded('compress', modelDirectory, '--recipe', recipePath, '-o', output, '--json');
    expect(compressed.status).toBe(0);
    const written = await readTfjsModelFile(join(output, 'model.json'));
    expect(modelByteLength(written)).toBe(result.measured.bytes);
    expect(modelByteLength(written)).toBeLessThanOrEqual(budget);

    const svg = await readFile(svgPath, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Pareto front');

    // A second run reads every sensitivity from the cache and chooses the same recipe.
    const again = await runRecorded('search', modelDirectory, '--max-bytes', String(budget), '--techniques', 'quantize', '--backend', 'cpu', '--cache', cachePath);
    expect(again.status).toBe(0);
    const lines = again.err.split('\n').filter((line) => line.includes('sensitivity of'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.includes('(cached)'))).toBe(true);
    expect(again.out).toContain(JSON.stringify(result.recipe));
    expect(again.out).toContain('Pareto front');
  });

  it('with --students, also distills a student within the time bound and reports it', async () => {
    const run = await runRecorded(
      '--quiet', 'search', modelDirectory, '--max-bytes', String(floatBytes), '--techniques', 'quantize.float16',
      '--backend', 'cpu', '--students', '--student-seconds', '0.001', '--json',
    );
    expect(run.err).toBe('');
    expect(run.status).toBe(0);
    const { students } = JSON.parse(run.out) as { students: { teacher: { bytes: number }; candidates: { bytes: number; metric: number; spec: object }[]; skipped: unknown[] } };
    // The time bound lets one student start; the rest are skipped and say why.
    expect(students.candidates).toHaveLength(1);
    expect(students.candidates[0]!.bytes).toBeLessThan(students.teacher.bytes);
    expect(students.candidates[0]!.metric).toBeGreaterThan(0.3);
    expect(students.skipped.length).toBeGreaterThan(0);
  });

  it('refuses an unreachable budget naming the smallest size, and bad flags, with one-line errors', async () => {
    const unreachable = await runRecorded('--quiet', 'search', modelDirectory, '--max-bytes', '10', '--techniques', 'quantize.float16', '--backend', 'cpu');
    expect(unreachable.status).toBe(1);
    expect(unreachable.err).toMatch(/^whittle: .*smallest reachable is \d+ bytes\n$/);

    const both = await runRecorded('search', modelDirectory, '--max-bytes', '10', '--max-params', '10');
    expect(both.status).toBe(1);
    expect(both.err).toMatch(/^whittle: .*exactly one of --max-bytes/);

    for (const flags of [['--loss', 'accuracy'], ['--plans', '0'], ['--plans', '1.5'], ['--plans', '65']]) {
      const refused = await runRecorded('search', modelDirectory, '--max-bytes', '10', ...flags);
      expect(refused.status).toBe(2);
      expect(refused.err).toContain(flags[0]);
    }

    const bogus = await runRecorded('search', modelDirectory, '--max-bytes', '10', '--techniques', 'quantize,magic');
    expect(bogus.status).toBe(2);
    expect(bogus.err).toMatch(/unknown technique "magic"/);

    const checkpoint = join(directory, 'model.safetensors');
    await writeFile(checkpoint, new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 123, 125]));
    const bare = await runRecorded('search', checkpoint, '--max-bytes', '10');
    expect(bare.status).toBe(1);
    expect(bare.err).toMatch(/needs a TFJS model/);

    const data = join(directory, 'data.safetensors');
    await writeFile(data, '{"not": "safetensors"}');
    const badData = await runRecorded('search', modelDirectory, '--max-bytes', '1000', '--data', data, '--backend', 'cpu');
    expect(badData.status).toBe(1);
    expect(badData.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(badData.err).toContain('data.safetensors');
  });
});
