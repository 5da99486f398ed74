import '@whittle/prune/register';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';
import { PRUNE_VERB } from '../verbs/prune-verb.ts';
import { EXAMPLE_MLP, EXAMPLE_SAFETENSORS, expectSameAsRecipe, temporaryDirectory } from '../verbs/verb-runs.test-support.ts';

let directory: { readonly path: string; readonly remove: () => Promise<void> };

beforeAll(async () => {
  directory = await temporaryDirectory('whittle-prune-');
});

afterAll(async () => {
  await directory.remove();
});

describe('whittle prune writes what compress --recipe writes for the same step', () => {
  // Each recipe is written by hand from the kinds' documented fields, not derived from the flags.
  test.each([
    [['--sparsity', '0.9', '--storage', 'csr', '--index-bits', '5'], '{"kind":"prune.magnitude","sparsity":0.9,"storage":{"layout":"csr","indexBits":5}}'],
    [['--sparsity', '0.8', '--scope', 'global'], '{"kind":"prune.magnitude","sparsity":0.8,"scope":"global"}'],
    [['--sparsities', '{"dense_1/*":0.95,"**":0.5}'], '{"kind":"prune.magnitude","sparsities":{"dense_1/*":0.95,"**":0.5}}'],
    [['--method', 'nm', '--n', '2', '--m', '4'], '{"kind":"prune.nm","n":2,"m":4}'],
    [['--method', 'structured', '--sparsity', '0.5', '--round-to', '8', '--norm', 'l2'], '{"kind":"prune.structured","sparsity":0.5,"roundTo":8,"norm":"l2"}'],
  ])('prune %j on the example MLP (TFJS)', async (flags, recipe) => {
    await expectSameAsRecipe(directory.path, EXAMPLE_MLP, ['prune', ...flags], recipe);
  });

  test('and on the example safetensors file', async () => {
    await expectSameAsRecipe(directory.path, EXAMPLE_SAFETENSORS, ['prune', '--method', 'nm', '--n', '1', '--m', '4', '--exclude', 'fc2.*'], '{"kind":"prune.nm","n":1,"m":4,"exclude":["fc2.*"]}', '.safetensors');
  });
});

test('--print-recipe prints the step', async () => {
  const run = await runRecorded('prune', EXAMPLE_MLP, '--method', 'gradual', '--final-sparsity', '0.9', '--end-step', '300', '--epochs', '2', '--print-recipe');
  expect(run.status, run.err).toBe(0);
  expect(JSON.parse(run.out)).toEqual({ kind: 'prune.gradual', finalSparsity: 0.9, endStep: 300, epochs: 2 });
});

describe('flag errors: one line naming the flag, nothing written', () => {
  test.each([
    [['--sparsity', '1.5'], /^whittle: --sparsity: /],
    [['--sparsity', '0.9', '--storage', 'coo'], /^whittle: --storage: /],
    [['--sparsity', '0.9', '--index-bits', '0'], /^whittle: --index-bits: /],
    [['--sparsities', '{"dense_1/*":2}'], /^whittle: --sparsities: /],
    [['--method', 'nm', '--n', '4', '--m', '4'], /^whittle: --n: /],
    [['--method', 'nm', '--sparsity', '0.5'], /^whittle: --sparsity: does not apply to --method nm; it applies to --method magnitude, structured, wanda\n$/],
    [['--method', 'structured', '--sparsity', '0.5', '--storage', 'csr'], /^whittle: --storage: does not apply to --method structured/],
    [['--method', 'wanda', '--n', '2'], /^whittle: --m: N:M needs both n and m\n$/],
    [['--method', 'wanda', '--sparsity', '0.5'], /^whittle: --calibration: prune\.wanda needs calibration data/],
    [['--method', 'gradual', '--final-sparsity', '0.9', '--end-step', '10'], /^whittle: --data: prune\.gradual needs training data: pass --data mnist\n$/],
    [['--method', 'gradual', '--final-sparsity', '0.9', '--end-step', '10', '--calibration', 'x.safetensors'], /^whittle: --calibration: does not apply to --method gradual/],
    [['--sparsity', '0.9', '--data', 'mnist'], /^whittle: --data: does not apply to --method magnitude, which needs no data\n$/],
  ])('%j', async (flags, message) => {
    const output = join(directory.path, 'bad');
    const run = await runRecorded('prune', EXAMPLE_MLP, ...flags, '-o', output);
    expect(run.status).toBeGreaterThan(0);
    expect(run.err).toMatch(message);
    expect(run.err.trim().split('\n')).toHaveLength(1);
    await expect(readdir(output)).rejects.toThrow();
  });
});

test('--help lists every method with its kind and flags, and examples', async () => {
  const { status, out } = await runRecorded('prune', '--help');
  expect(status).toBe(0);
  for (const method of PRUNE_VERB.methods) expect(out).toMatch(new RegExp(`^  ${method.name} +${method.kind.replace('.', '\\.')}: `, 'm'));
  expect(out).toMatch(/^ +flags: --n --m --axis --storage --index-bits --value-bits$/m);
  expect(out).toMatch(/\nExamples:\n  whittle prune /);
});
