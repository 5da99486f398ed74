import '@whittle/lowrank/register';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';
import { EXAMPLE_MLP, EXAMPLE_SAFETENSORS, expectSameAsRecipe, temporaryDirectory } from '../verbs/verb-runs.test-support.ts';

let directory: { readonly path: string; readonly remove: () => Promise<void> };

beforeAll(async () => {
  directory = await temporaryDirectory('whittle-lowrank-');
});

afterAll(async () => {
  await directory.remove();
});

describe('whittle lowrank writes what compress --recipe writes for the same step', () => {
  test.each([
    [['--budget', '0.5'], '{"kind":"lowrank.svd","budget":0.5}'],
    [['--rank', '8', '--exclude', 'dense_2/**'], '{"kind":"lowrank.svd","rank":8,"exclude":["dense_2/**"]}'],
    [['--tolerance', '0.3', '--svd-method', 'exact'], '{"kind":"lowrank.svd","tolerance":0.3,"method":"exact"}'],
    // The randomized SVD computes on tfjs: the command starts a backend for it.
    [['--rank', '8', '--svd-method', 'randomized', '--seed', '3'], '{"kind":"lowrank.svd","rank":8,"method":"randomized","seed":3}'],
  ])('lowrank %j on the example MLP (TFJS)', async (flags, recipe) => {
    await expectSameAsRecipe(directory.path, EXAMPLE_MLP, ['lowrank', ...flags], recipe);
  });

  test('and on the example safetensors file, as lowrank encodings', async () => {
    await expectSameAsRecipe(directory.path, EXAMPLE_SAFETENSORS, ['lowrank', '--energy', '0.9', '--no-rewrite'], '{"kind":"lowrank.svd","energy":0.9,"rewrite":false}', '.safetensors');
  });
});

test('--print-recipe prints the step, --method svd being the default', async () => {
  const run = await runRecorded('lowrank', EXAMPLE_MLP, '--method', 'svd', '--budget', '0.25', '--budget-scope', 'layer', '--print-recipe');
  expect(run.status, run.err).toBe(0);
  expect(JSON.parse(run.out)).toEqual({ kind: 'lowrank.svd', budget: 0.25, budgetScope: 'layer' });
});

describe('flag errors: one line naming the flag, nothing written', () => {
  test.each([
    [[], /^whittle: --rank: the step needs one of rank, energy, budget, tolerance\n$/],
    [['--rank', '8', '--budget', '0.5'], /^whittle: --budget: give one of/],
    [['--budget', '1'], /^whittle: --budget: /],
    [['--rank', '0'], /^whittle: --rank: /],
    [['--rank', '8', '--seed', '1'], /^whittle: --seed: /],
    [['--rank', '8', '--svd-method', 'fast'], /^whittle: --svd-method: /],
    [['--rank', '8', '--method', 'tucker'], /argument 'tucker' is invalid\. Allowed choices are svd/],
  ])('%j', async (flags, message) => {
    const output = join(directory.path, 'bad');
    const run = await runRecorded('lowrank', EXAMPLE_MLP, ...flags, '-o', output);
    expect(run.status).toBeGreaterThan(0);
    expect(run.err).toMatch(message);
    expect(run.err.trim().split('\n')).toHaveLength(1);
    await expect(readdir(output)).rejects.toThrow();
  });
});
