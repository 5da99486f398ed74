import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FAILURE } from '../run-cli.ts';
import { runRecorded } from '../test-io.ts';
import { createTestWorkspace } from '../test-models.ts';

let directory: string;
let tfjsModel: string;
let safetensors: string;
let outputs: string;

beforeAll(async () => {
  ({ directory, tfjsModel, safetensors } = await createTestWorkspace('whittle-filters-'));
  outputs = join(directory, 'out');
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Fails with one line on stderr, nothing on stdout, and writes no output. */
async function expectRefused(input: string, recipe: unknown, line: RegExp): Promise<void> {
  const output = join(outputs, `refused-${Math.random().toString(36).slice(2)}${input.endsWith('.safetensors') ? '.safetensors' : ''}`);
  const run = await runRecorded('compress', input, '--recipe', JSON.stringify(recipe), '-o', output, '--quiet');
  expect(run.out).toBe('');
  expect(run.status).toBe(FAILURE);
  expect(run.err).toMatch(line);
  expect(run.err.trimEnd().split('\n')).toHaveLength(1);
  await mkdir(outputs, { recursive: true });
  expect(await readdir(outputs)).not.toContain(output.slice(outputs.length + 1));
}

// The TFJS test model has hidden/kernel, hidden/bias, logits/kernel, logits/bias; the
// safetensors one embed.weight, encoder.weight, encoder.bias, head.weight, head.bias.
describe('a filter that selects nothing is an error naming the step and the glob', () => {
  test.each([
    ['tfjs', () => tfjsModel, 'dense_1/*', /^whittle: --recipe: step 2: include\[0\]: "dense_1\/\*" matches no param \(names look like "hidden\/kernel", /],
    ['safetensors (streamed)', () => safetensors, 'decoder.*', /^whittle: --recipe: step 2: include\[0\]: "decoder\.\*" matches no param \(names look like "embed\.weight", /],
  ])('an include glob that matches no param, %s', async (_name, input, glob, line) => {
    await expectRefused(input(), [{ kind: 'cast', dtype: 'float16' }, { kind: 'quantize.affine', bits: 8, include: [glob] }], line);
  });

  test('an exclude glob that matches no param', async () => {
    await expectRefused(tfjsModel, { kind: 'quantize.kmeans', bits: 4, exclude: ['**/kernel', 'head/**'] }, /^whittle: --recipe: step 1: exclude\[1\]: "head\/\*\*" matches no param/);
    await expectRefused(safetensors, { kind: 'cast', dtype: 'float16', exclude: ['lm_head.weight'] }, /^whittle: --recipe: step 1: exclude\[0\]: "lm_head\.weight" matches no param/);
  });

  test('a step whose globs match but that selects no param with its roles', async () => {
    await expectRefused(
      tfjsModel,
      { kind: 'quantize.affine', bits: 8, include: ['**/bias'] },
      /^whittle: --recipe: step 1: roles: the step selects no param: none of the params its globs select has a default role \(dense-kernel, .*\); their roles are bias\n$/,
    );
    await expectRefused(safetensors, { kind: 'cast', dtype: 'float16', roles: ['conv2d-kernel'] }, /^whittle: --recipe: step 1: roles: the step selects no param/);
  });

  test('an error in a recipe file names the file', async () => {
    const recipe = join(directory, 'typo.json');
    await import('node:fs/promises').then(({ writeFile }) => writeFile(recipe, JSON.stringify([{ kind: 'cast', dtype: 'float16', include: ['hiden/*'] }])));
    const run = await runRecorded('compress', tfjsModel, '--recipe', recipe, '-o', join(outputs, 'typo'));
    expect(run.err).toMatch(new RegExp(`^whittle: ${recipe.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: step 1: include\\[0\\]: "hiden/\\*" matches no param`));
  });

  test('roles the model has no param of', async () => {
    const run = await runRecorded('compress', tfjsModel, '--recipe', '{"kind":"cast","dtype":"float16","roles":["embedding"]}', '-o', join(outputs, 'none'));
    expect(run.status).toBe(FAILURE);
    expect(run.err).toMatch(/^whittle: --recipe: step 1: roles: the step selects no param: none of the model's params has a role in roles \(embedding\); their roles are dense-kernel, bias\n$/);
  });

  test('a filter that selects something still runs', async () => {
    const run = await runRecorded('compress', safetensors, '--recipe', '{"kind":"cast","dtype":"float16","include":["head.*"],"exclude":["**.bias"]}', '-o', join(outputs, 'head.safetensors'), '--json', '--quiet');
    expect(run.status, run.err).toBe(0);
    // head.weight is 10×64 float32: half its bytes go.
    const report = JSON.parse(run.out) as { input: { bytes: number }; output: { bytes: number } };
    expect(report.input.bytes - report.output.bytes).toBe(640 * 2);
  });
});

describe('glob syntax whittle does not implement is rejected when the recipe is validated', () => {
  test.each([
    ['{hidden,logits}/kernel', '{'],
    ['layers.[13].weight', '['],
    ['!logits/**', '!'],
    ['hidden\\/kernel', '\\'],
    ['+(hidden|logits)/kernel', '('],
  ])('%s', async (glob, character) => {
    const run = await runRecorded('compress', join(directory, 'not-read-at-all'), '--recipe', JSON.stringify({ kind: 'cast', dtype: 'float16', include: [glob] }), '-o', join(outputs, 'x'));
    expect(run.status).toBe(FAILURE);
    // Rejected before the (missing) model is opened.
    expect(run.err).toBe(
      `whittle: --recipe: step 1: include[0]: unsupported glob syntax ${JSON.stringify(character)} in ${JSON.stringify(glob)}: only * (within a segment), ** (across segments) and ? (one character) are special\n`,
    );
  });
});
