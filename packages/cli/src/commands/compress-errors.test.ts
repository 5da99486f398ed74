import { defaultRegistry, registerRecipeHandler } from '@whittle/core';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FAILURE, USAGE_ERROR } from '../run-cli.ts';
import { runRecorded, type CliRun } from '../test-io.ts';
import { buildLayersModel, saveLayersModel, writeTestSafetensors } from '../test-models.ts';

const CAST_FLOAT16 = '[{"kind":"cast","dtype":"float16"}]';

let directory: string;
let tfjsModel: string;
let safetensors: string;
let outputs: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-compress-errors-'));
  await mkdir(join(directory, 'in'));
  outputs = join(directory, 'out');
  await mkdir(outputs);
  tfjsModel = join(directory, 'in', 'mlp');
  await saveLayersModel(await buildLayersModel(), tfjsModel);
  safetensors = join(directory, 'in', 'model.safetensors');
  await writeTestSafetensors(safetensors);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** One line on stderr, `whittle: ` first, no stack, nothing on stdout, and the status. */
function expectOneLineError(run: CliRun, status: number, line: RegExp): void {
  expect(run.out).toBe('');
  expect(run.status).toBe(status);
  const lines = run.err.split('\n').filter((text) => text.length > 0 && !text.startsWith('compress: '));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^whittle: /);
  expect(lines[0]).toMatch(line);
}

describe('user mistakes are one clear line and a failure status', () => {
  test('a missing model names the path', async () => {
    const missing = join(directory, 'nope');
    expectOneLineError(await runRecorded('compress', missing, '--recipe', CAST_FLOAT16, '-o', outputs), FAILURE, new RegExp(`^whittle: ${missing}: cannot open the model \\(ENOENT: no such file or directory\\)$`));
    expectOneLineError(await runRecorded('inspect', missing), FAILURE, /cannot open the model \(ENOENT: no such file or directory\)$/);
  });

  test('a missing recipe file names the file', async () => {
    const recipe = join(directory, 'missing.json');
    expectOneLineError(await runRecorded('compress', tfjsModel, '--recipe', recipe, '-o', outputs), FAILURE, new RegExp(`^whittle: ${recipe}: cannot read the recipe \\(ENOENT: no such file or directory\\)$`));
  });

  test('malformed recipe JSON names the file', async () => {
    const recipe = join(directory, 'broken.json');
    await writeFile(recipe, '[{"kind": "cast",');
    expectOneLineError(await runRecorded('compress', tfjsModel, '--recipe', recipe, '-o', outputs), FAILURE, new RegExp(`^whittle: ${recipe}: recipe is not valid JSON: `));
    expectOneLineError(await runRecorded('compress', tfjsModel, '--recipe', '[oops]', '-o', outputs), FAILURE, /^whittle: --recipe: recipe is not valid JSON: /);
  });

  test('an unknown kind names the file and the step, and lists the known kinds', async () => {
    const recipe = join(directory, 'unknown.json');
    await writeFile(recipe, JSON.stringify([{ kind: 'cast', dtype: 'float16' }, { kind: 'quantize.magic', bits: 3 }]));
    expectOneLineError(
      await runRecorded('compress', tfjsModel, '--recipe', recipe, '-o', outputs),
      FAILURE,
      new RegExp(`^whittle: ${recipe}: step 2: kind: unknown recipe kind "quantize\\.magic"; known kinds: .*cast`),
    );
  });

  test('a bad field names the step and the field', async () => {
    expectOneLineError(
      await runRecorded('compress', safetensors, '--recipe', '[{"kind":"cast","dtype":"float8"}]', '-o', outputs),
      FAILURE,
      /^whittle: --recipe: step 1: dtype: .*float8/,
    );
  });

  test('an output that is the input is refused, even with --force, and nothing is written', async () => {
    for (const [input, output] of [
      [tfjsModel, tfjsModel],
      [join(tfjsModel, 'model.json'), tfjsModel],
      [safetensors, safetensors],
    ] as const) {
      expectOneLineError(await runRecorded('compress', input, '--recipe', CAST_FLOAT16, '-o', output, '--force'), FAILURE, /the output is the input .*; choose another output$/);
    }
    expect((await readdir(tfjsModel)).sort()).toEqual(['model.json', 'weights.bin']);
  });

  test('a safetensors output beside its input just works; an existing output, or one inside a TFJS input, needs --force', async () => {
    const beside = join(directory, 'in', 'model-f16.safetensors');
    expect((await runRecorded('compress', safetensors, '--recipe', CAST_FLOAT16, '-o', beside)).status).toBe(0);
    expectOneLineError(await runRecorded('compress', safetensors, '--recipe', CAST_FLOAT16, '-o', beside), FAILURE, /model-f16\.safetensors: the output exists already; pass --force/);
    expect((await runRecorded('compress', safetensors, '--recipe', CAST_FLOAT16, '-o', beside, '--force')).status).toBe(0);
    await rm(beside);

    const inside = join(tfjsModel, 'f16');
    expectOneLineError(await runRecorded('compress', tfjsModel, '--recipe', CAST_FLOAT16, '-o', inside), FAILURE, /inside or over the model directory .*pass --force to allow it$/);
    expect((await readdir(tfjsModel)).sort()).toEqual(['model.json', 'weights.bin']);

    const output = join(outputs, 'twice');
    expect((await runRecorded('compress', tfjsModel, '--recipe', CAST_FLOAT16, '-o', output)).status).toBe(0);
    expectOneLineError(await runRecorded('compress', tfjsModel, '--recipe', CAST_FLOAT16, '-o', output), FAILURE, /model\.json: the output exists already; pass --force to replace it$/);
    expect((await runRecorded('compress', tfjsModel, '--recipe', CAST_FLOAT16, '-o', output, '--force')).status).toBe(0);
  });

  test('a model.json nested 10,000 deep is one typed line for inspect and compress, and leaves no output folder', async () => {
    const deep = join(directory, 'deep');
    await mkdir(deep);
    await writeFile(join(deep, 'model.json'), `{"modelTopology":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)},"weightsManifest":[]}`);
    expectOneLineError(await runRecorded('inspect', deep), FAILURE, /model\.json: model\.json nests more than 256 deep$/);
    const output = join(outputs, 'deep-out');
    expectOneLineError(await runRecorded('compress', deep, '--recipe', CAST_FLOAT16, '-o', output), FAILURE, /nests more than 256 deep$/);
    expect(await readdir(outputs)).not.toContain('deep-out');
  });

  test('a model that is not a regular file (a FIFO, /dev/zero) is refused at once', async () => {
    const zero = join(directory, 'zero.json');
    await symlink('/dev/zero', zero);
    expectOneLineError(await runRecorded('inspect', zero), FAILURE, /zero\.json: cannot open the model: it is not a regular file or a directory$/);
    const fifo = join(directory, 'pipe.safetensors');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return; // No mkfifo here: the /dev/zero case stands alone.
    }
    expectOneLineError(await runRecorded('compress', fifo, '--recipe', CAST_FLOAT16, '-o', join(outputs, 'fifo.safetensors')), FAILURE, /pipe\.safetensors: cannot open the model/);
  }, 10_000);

  test('outputs of the wrong kind and --shard-size for safetensors are refused', async () => {
    expectOneLineError(await runRecorded('compress', tfjsModel, '--recipe', CAST_FLOAT16, '-o', join(outputs, 'x.safetensors')), FAILURE, /a TFJS model is written as a directory/);
    expectOneLineError(await runRecorded('compress', safetensors, '--recipe', CAST_FLOAT16, '-o', join(outputs, 'x.json')), FAILURE, /written as a \.safetensors file/);
    expectOneLineError(
      await runRecorded('compress', safetensors, '--recipe', CAST_FLOAT16, '-o', join(outputs, 'x.safetensors'), '--shard-size', '1'),
      FAILURE,
      /^whittle: --shard-size: .*TFJS output only$/,
    );
  });

  test.each([
    [['--recipe', CAST_FLOAT16], /required option '-o, --output <path>' not specified/],
    [['-o', 'out'], /^whittle: pass --recipe <recipe> or --preset <name> \(see 'whittle compress --help'\)$/],
    [['--preset', 'int8', '--recipe', CAST_FLOAT16, '-o', 'out'], /option '--preset <name>' cannot be used with option '--recipe <recipe>'/],
    [['--preset', 'int9', '-o', 'out'], /option '--preset <name>' argument 'int9' is invalid\. Allowed choices are int8, int4-g32, kmeans4, float16, fp16, q4, q4f16, q8, uint8, uint8-stock\./],
    [['--recipe', CAST_FLOAT16, '-o', 'out', '--shard-size', '0'], /expected a positive size in MiB, got "0"/],
    [['--recipe', CAST_FLOAT16, '-o', 'out', '--shard-size', 'big'], /expected a positive size in MiB, got "big"/],
    [['--recipe', CAST_FLOAT16, '-o', 'out', '--shard-size', '0.000001'], /"0\.000001" MiB is out of range: give 0\.00390625 \(4 KiB\) to 2048 \(2 GiB\)/],
    [['--recipe', CAST_FLOAT16, '-o', 'out', '--shard-size', '4096'], /out of range/],
  ])('usage errors exit with status 2: %j', async (options, line) => {
    expectOneLineError(await runRecorded('compress', tfjsModel, ...options), USAGE_ERROR, line);
  });

  test('--debug adds the stack trace', async () => {
    const run = await runRecorded('compress', join(directory, 'nope'), '--recipe', CAST_FLOAT16, '-o', outputs, '--debug');
    expect(run.status).toBe(FAILURE);
    expect(run.err).toMatch(/^whittle: .*cannot open the model \(ENOENT: no such file or directory\)\nWhittleError: [^\n]*\n\s+at /);
  });
});

test('a step that needs the whole model reads the safetensors file whole, and says so', async () => {
  if (!defaultRegistry.has('test.whole-model')) {
    registerRecipeHandler({
      kind: 'test.whole-model',
      description: 'a stand-in for a step that looks at every param at once',
      effect: 're-encodes-params',
      validate: (step) => step,
      apply: (model) => model,
    });
  }
  const output = join(outputs, 'whole.safetensors');
  const run = await runRecorded('compress', safetensors, '--recipe', '[{"kind":"test.whole-model"},{"kind":"cast","dtype":"float16"}]', '-o', output, '--json');
  expect(run.status).toBe(0);
  expect(run.err).toMatch(/^compress: the recipe \(test\.whole-model\) needs the whole model: reading all of .* into memory$/m);
  const report = JSON.parse(run.out) as { steps: Array<{ kind: string }>; output: { params: number } };
  expect(report.steps.map(({ kind }) => kind)).toEqual(['test.whole-model', 'cast']);
  expect(report.output.params).toBe(3338);
  const streamed = JSON.parse((await runRecorded('compress', safetensors, '--recipe', '[{"kind":"cast","dtype":"float16"}]', '-o', join(outputs, 'streamed.safetensors'), '--json')).out);
  // The same params and bytes; the files differ in header padding, so their gzipped sizes may too.
  expect({ ...report.output, gzipBytes: 0 }).toEqual({ ...streamed.output, gzipBytes: 0 });
});
