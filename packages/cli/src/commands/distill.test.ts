import { countParams, decodeToFloat32, type Model } from '@whittle/core';
import { readTfjsModelFile } from '@whittle/core/fs';
import { loadMnistDigits, mnistAccuracy, splitDigits, type Digits } from '@whittle/bench';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';
import { loadWithPlainTfjs } from '../test-models.ts';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const TEACHER = join(EXAMPLES, 'mlp');
/** The example MLP's hidden layer is 64 wide; a quarter of it is 16. */
const STUDENT_PARAMS = 784 * 16 + 16 + 16 * 10 + 10;

let directory: string;
let teacher: Model;
let heldOut: Digits;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-distill-'));
  teacher = await readTfjsModelFile(join(TEACHER, 'model.json'));
  // --data mnist trains on the first 8,000 of this split (seed 7); the other 2,000 are held out.
  heldOut = splitDigits(await loadMnistDigits(), { train: 8000, test: 2000, seed: 7 }).test;
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** The accuracy (%) on the held-out digits of the stock tfjs model in `output`. */
async function stockAccuracy(output: string): Promise<number> {
  const model = await loadWithPlainTfjs(output);
  const images = tf.tensor2d(heldOut.images, [heldOut.labels.length, 784]);
  const predicted = tf.tidy(() => tf.argMax(model.predict(images) as tf.Tensor, 1).dataSync());
  images.dispose();
  model.dispose();
  let hits = 0;
  for (let row = 0; row < heldOut.labels.length; row++) if (predicted[row] === heldOut.labels[row]) hits++;
  return (100 * hits) / heldOut.labels.length;
}

describe('whittle distill', () => {
  test('a quarter-width student of the example MLP, trained on MNIST: the params a quarter-width MLP has, accuracy on held-out digits', async () => {
    const output = join(directory, 'student');
    const { status, out, err } = await runRecorded('distill', TEACHER, '--data', 'mnist', '--student', '{"width":0.25}', '-o', output, '--epochs', '2', '--temperature', '2', '--json', '--quiet');
    expect(err).toBe('');
    expect(status).toBe(0);
    const report = JSON.parse(out) as { input: { params: number }; output: { params: number; bytes: number }; steps: { kind: string; notes: string[] }[] };
    expect(report.input.params).toBe(countParams(teacher));
    expect(report.output.params).toBe(STUDENT_PARAMS);
    expect(report.steps.map((step) => step.kind)).toEqual(['distill']);
    expect(report.steps[0]!.notes.join(' ')).toContain('student');
    const student = await readTfjsModelFile(join(output, 'model.json'));
    expect(countParams(student)).toBe(STUDENT_PARAMS);
    expect(await mnistAccuracy(student, heldOut)).toBeGreaterThan(85);
    // Stock tfjs reads the student and agrees.
    expect(await stockAccuracy(output)).toBeGreaterThan(85);
  }, 120_000);

  test('a student spec from a file, then compress distills and quantizes in one recipe that stock tfjs loads', async () => {
    const spec = join(directory, 'student.json');
    await writeFile(spec, '{ "width": 0.25 }');
    const output = join(directory, 'student-u8');
    const recipe = JSON.stringify([{ kind: 'distill', student: { width: 0.25 }, epochs: 1 }, { kind: 'quantize.uint8' }]);
    const { status, err } = await runRecorded('compress', TEACHER, '--data', 'mnist', '--recipe', recipe, '-o', output, '--quiet');
    expect(err).toBe('');
    expect(status).toBe(0);
    expect(await stockAccuracy(output)).toBeGreaterThan(80);
    const fromFile = await runRecorded('distill', TEACHER, '--data', 'mnist', '--student', spec, '-o', join(directory, 'from-file'), '--quiet');
    expect(fromFile.err).toBe('');
    expect(fromFile.status).toBe(0);
  }, 120_000);

  test('distill, prune and k-means quantize compose in one compress', async () => {
    const output = join(directory, 'composed');
    const recipe = JSON.stringify([
      { kind: 'distill', student: { width: 0.25 }, epochs: 1 },
      { kind: 'prune.magnitude', sparsity: 0.5 },
      { kind: 'quantize.kmeans', bits: 5 },
    ]);
    const { status, out, err } = await runRecorded('compress', TEACHER, '--data', 'mnist', '--recipe', recipe, '-o', output, '--json', '--quiet');
    expect(err).toBe('');
    expect(status).toBe(0);
    const report = JSON.parse(out) as { steps: { kind: string }[] };
    expect(report.steps.map((step) => step.kind)).toEqual(['distill', 'prune.magnitude', 'quantize.kmeans']);
    const small = await readTfjsModelFile(join(output, 'model.json'));
    const kernel = small.params.get('dense_1/kernel')!;
    expect(kernel.shape).toEqual([784, 16]);
    // At most 2⁵ centroids besides the pruned zeros, and half of the weights zero.
    const values = decodeToFloat32(kernel.value).data;
    expect(new Set(values).size).toBeLessThanOrEqual(33);
    expect(values.filter((value) => value === 0).length / values.length).toBeGreaterThanOrEqual(0.5);
    expect(await mnistAccuracy(small, heldOut)).toBeGreaterThan(75);
  }, 120_000);

  test('hostile flags: typed one-line errors naming the flag, nothing written', async () => {
    const output = join(directory, 'never');
    const cases: [string[], RegExp][] = [
      [['--student', '{"width":2}'], /--student width: .*width must be a number in \(0, 1\]/],
      [['--student', '{"width":0.5,"depth":2}'], /--student depth/],
      [['--student', '{"width":'], /not valid JSON/],
      [['--student', '{}'], /changes nothing/],
      [['--student', join(directory, 'missing.json')], /missing\.json.*cannot read the student spec/],
      [['--student', directory], /not a regular file/],
      [['--student', '{"separable":true}'], /step 1|Conv2D|separable/],
    ];
    for (const [flags, message] of cases) {
      const { status, err } = await runRecorded('distill', TEACHER, '--data', 'mnist', ...flags, '-o', output, '--quiet');
      expect(status, err).toBe(1);
      expect(err).toMatch(message);
      expect(err.trim().split('\n')).toHaveLength(1);
    }
    const big = join(directory, 'big.json');
    await writeFile(big, `{"width":0.5${' '.repeat(10_000)}}`);
    const tooBig = await runRecorded('distill', TEACHER, '--data', 'mnist', '--student', big, '-o', output, '--quiet');
    expect(tooBig.err).toMatch(/at most 4096 bytes/);
    for (const flags of [['--epochs', '0'], ['--epochs', '1.5'], ['--temperature', '-1'], ['--alpha', '2'], ['--alpha', 'NaN']]) {
      const { status, err } = await runRecorded('distill', TEACHER, '--data', 'mnist', '--student', '{"width":0.5}', ...flags, '-o', output, '--quiet');
      expect(status, err).toBe(2);
      expect(err).toContain(flags[0]);
    }
    const noData = await runRecorded('distill', TEACHER, '--student', '{"width":0.5}', '-o', output, '--quiet');
    expect(noData.status).toBe(2);
    expect(noData.err).toContain('--data');
    await expect(readdir(output)).rejects.toThrow();
    // A previous output is kept unless --force.
    const previous = join(directory, 'student', 'model.json');
    const before = await readFile(previous);
    const refused = await runRecorded('distill', TEACHER, '--data', 'mnist', '--student', '{"width":0.5}', '-o', join(directory, 'student'), '--quiet');
    expect(refused.status).toBe(1);
    expect(refused.err).toContain('--force');
    expect(await readFile(previous)).toEqual(before);
  }, 60_000);
});
