import { isWhittleError } from '@whittle/core';
import '@whittle/quantize/register';
import fc from 'fast-check';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';
import { verbStep, type VerbCommandOptions } from '../verbs/verb-command.ts';
import { QUANTIZE_VERB } from '../verbs/quantize-verb.ts';
import { EXAMPLE_MLP, EXAMPLE_SAFETENSORS, expectSameAsRecipe, temporaryDirectory } from '../verbs/verb-runs.test-support.ts';

let directory: { readonly path: string; readonly remove: () => Promise<void> };

beforeAll(async () => {
  directory = await temporaryDirectory('whittle-quantize-');
});

afterAll(async () => {
  await directory.remove();
});

describe('whittle quantize writes what compress --recipe writes for the same step', () => {
  // Each recipe is written by hand from the kinds' documented fields, not derived from the flags.
  test.each([
    [['--bits', '4', '--group-size', '32'], '{"kind":"quantize.affine","bits":4,"granularity":{"kind":"group","size":32}}'],
    [['--bits', '8', '--no-symmetric', '--granularity', 'tensor'], '{"kind":"quantize.affine","bits":8,"symmetric":false,"granularity":{"kind":"tensor"}}'],
    [['--method', 'kmeans', '--bits', '5', '--exclude', 'dense_2/**'], '{"kind":"quantize.kmeans","bits":5,"exclude":["dense_2/**"]}'],
    [['--method', 'uint8', '--range', 'mse'], '{"kind":"quantize.uint8","range":"mse"}'],
    [['--method', 'float16', '--include', 'dense_1/*', '--roles', 'dense-kernel', '--roles', 'bias'], '{"kind":"quantize.float16","include":["dense_1/*"],"roles":["dense-kernel","bias"]}'],
    [['--preset', 'int4-g32'], '{"kind":"quantize.affine","bits":4,"symmetric":true,"granularity":{"kind":"group","size":32}}'],
    [['--preset', 'float16', '--exclude', 'dense_2/kernel'], '{"kind":"cast","dtype":"float16","exclude":["dense_2/kernel"]}'],
  ])('quantize %j on the example MLP (TFJS)', async (flags, recipe) => {
    await expectSameAsRecipe(directory.path, EXAMPLE_MLP, ['quantize', ...flags], recipe);
  });

  test('and on the example safetensors file', async () => {
    const run = await expectSameAsRecipe(directory.path, EXAMPLE_SAFETENSORS, ['quantize', '--bits', '4', '--group-size', '32'], '{"kind":"quantize.affine","bits":4,"granularity":{"kind":"group","size":32}}', '.safetensors');
    expect(JSON.parse(run.out).ratio).toBeGreaterThan(5);
  });

  test('the same flags as compress for the output: --shard-size, --force', async () => {
    const output = join(directory.path, 'sharded');
    const first = await runRecorded('quantize', EXAMPLE_MLP, '--bits', '8', '-o', output, '--shard-size', '0.01', '--quiet');
    expect(first.status, first.err).toBe(0);
    expect((await readdir(output)).filter((name) => name.endsWith('.bin')).length).toBeGreaterThan(1);
    const again = await runRecorded('quantize', EXAMPLE_MLP, '--bits', '8', '-o', output, '--quiet');
    expect(again.status).toBe(1);
    expect(again.err).toMatch(/exists/);
    expect((await runRecorded('quantize', EXAMPLE_MLP, '--bits', '8', '-o', output, '--force', '--quiet')).status).toBe(0);
  });
});

describe('--print-recipe', () => {
  test('prints the step as one line of recipe JSON and writes nothing', async () => {
    const output = join(directory.path, 'never');
    const run = await runRecorded('quantize', EXAMPLE_MLP, '--bits', '4', '--group-size', '32', '--exclude', 'dense_2/**', '-o', output, '--print-recipe');
    expect(run.status, run.err).toBe(0);
    expect(JSON.parse(run.out)).toEqual({ kind: 'quantize.affine', bits: 4, granularity: { kind: 'group', size: 32 }, exclude: ['dense_2/**'] });
    expect(run.out.trim().split('\n')).toHaveLength(1);
    await expect(readdir(output)).rejects.toThrow();
  });

  test("a preset's step", async () => {
    const run = await runRecorded('quantize', EXAMPLE_MLP, '--preset', 'kmeans4', '--print-recipe');
    expect(JSON.parse(run.out)).toEqual({ kind: 'quantize.kmeans', bits: 4 });
  });
});

describe('flag errors: one line naming the flag, nothing written', () => {
  test.each([
    [['--bits', '12'], /^whittle: --bits: bits must be 1–8 or 16, got 12\n$/],
    [['--bits', 'four'], /^whittle: --bits: .*"four"/],
    [['--bits', '4', '--granularity', 'group'], /^whittle: --group-size: /],
    [['--bits', '4', '--granularity', 'axis', '--group-size', '32'], /^whittle: --group-size: unknown field "granularity\.size"/],
    [['--bits', '4', '--granularity', 'rows'], /^whittle: --granularity: /],
    [['--method', 'kmeans', '--bits', '4', '--group-size', '32'], /^whittle: --group-size: does not apply to --method kmeans; it applies to --method affine, gptq\n$/],
    [['--method', 'uint8', '--bits', '8'], /^whittle: --bits: does not apply to --method uint8; it applies to --method affine, kmeans, gptq\n$/],
    [['--method', 'float16', '--equalize'], /^whittle: --equalize: does not apply to --method float16; it applies to --method uint8\n$/],
    [['--preset', 'int8', '--bits', '4'], /^whittle: --bits: does not apply to --preset int8/],
    [['--preset', 'int8', '--method', 'affine'], /cannot be used with option '--method/],
    [['--bits', '8', '--data', 'mnist'], /^whittle: --data: does not apply to --method affine, which needs no data\n$/],
    [['--method', 'gptq', '--bits', '4'], /^whittle: --calibration: quantize\.gptq needs calibration data: pass --calibration/],
    [['--bits', '8', '--include', 'nothing/**'], /^whittle: --include: /],
    [['--bits', '8', '--roles', 'wheel'], /^whittle: --roles: /],
    [['--method', 'affine'], /^whittle: --bits: /],
    [['--method', 'gptqq'], /argument 'gptqq' is invalid\. Allowed choices are affine, kmeans, gptq/],
  ])('%j', async (flags, message) => {
    const output = join(directory.path, 'bad');
    const run = await runRecorded('quantize', EXAMPLE_MLP, ...flags, '-o', output);
    expect(run.status).toBeGreaterThan(0);
    expect(run.err).toMatch(message);
    expect(run.err.trim().split('\n')).toHaveLength(1);
    await expect(readdir(output)).rejects.toThrow();
  });

  test('no -o and no --print-recipe', async () => {
    const run = await runRecorded('quantize', EXAMPLE_MLP, '--bits', '8');
    expect(run.status).toBe(1);
    expect(run.err).toMatch(/^whittle: --output: pass -o <path>/);
  });

  test('whatever flags and values are given, a step comes back or a typed error names a flag', () => {
    const flagNames = ['bits', 'symmetric', 'narrowRange', 'granularity', 'groupSize', 'axis', 'scaleDType', 'grid', 'iterations', 'init', 'seed', 'damp', 'actOrder', 'blockSize', 'range', 'equalize'];
    const value = fc.oneof(fc.boolean(), fc.integer({ min: -3, max: 70 }).map(String), fc.constantFrom('group', 'axis', 'tensor', 'float16', 'mse', 'x', '1e400', '-0', ''));
    fc.assert(
      fc.property(
        fc.constantFrom(undefined, 'affine', 'kmeans', 'gptq', 'uint8', 'uint16', 'float16', 'bfloat16'),
        fc.dictionary(fc.constantFrom(...flagNames), value, { maxKeys: 4 }),
        (method, flags) => {
          const options = { ...(method === undefined ? {} : { method }), ...flags } as VerbCommandOptions;
          try {
            const { step } = verbStep(QUANTIZE_VERB, options);
            expect(step.kind).toBe(`quantize.${method ?? 'affine'}`);
          } catch (error) {
            expect(isWhittleError(error), String(error)).toBe(true);
            expect((error as { field?: string }).field).toMatch(/^--[a-z]/);
            expect((error as Error).message).not.toMatch(/\n|step 1/);
          }
        },
      ),
    );
  });
});

test('--help lists every method with its kind and flags, the presets and examples', async () => {
  const { status, out } = await runRecorded('quantize', '--help');
  expect(status).toBe(0);
  for (const method of QUANTIZE_VERB.methods) expect(out).toMatch(new RegExp(`^  ${method.name} +${method.kind.replace('.', '\\.')}: `, 'm'));
  expect(out).toMatch(/^ +flags: --bits --symmetric --narrow-range --granularity --group-size --axis --scale-dtype --grid$/m);
  expect(out).toMatch(/int8, int4-g32, kmeans4, float16, uint8-stock/);
  expect(out).toMatch(/\nExamples:\n  whittle quantize /);
});
