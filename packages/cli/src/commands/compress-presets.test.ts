import { defaultRegistry, registerRecipeHandler, validateRecipe } from '@whittle/core';
import { onnxDynamic, onnxFloat16, onnxQ4 } from '@whittle/onnx';
// The CLI registers recipe kinds when a command runs; the presets are validated here before any does.
import '@whittle/onnx/register';
import '@whittle/quantize/register';
import { int4, int8, kmeans, uint8 } from '@whittle/quantize';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RECIPE_PRESETS } from '../recipe/presets.ts';
import { runRecorded } from '../test-io.ts';
import { createTestWorkspace } from '../test-models.ts';
import { compressHelp } from './compress.ts';

let directory: string;
let tfjsModel: string;
let safetensors: string;
let outputs: string;

beforeAll(async () => {
  ({ directory, tfjsModel, safetensors } = await createTestWorkspace('whittle-presets-'));
  outputs = join(directory, 'out');
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/**
 * Each preset written out by hand, as the README and the kinds' docs describe it (defaults left
 * out), and through the technique package's own factories: two independent spellings.
 */
const EQUIVALENTS: Record<string, { readonly json: string; readonly factory: unknown }> = {
  int8: { json: '{"kind":"quantize.affine","bits":8}', factory: [int8()] },
  'int4-g32': { json: '{"kind":"quantize.affine","bits":4,"granularity":{"kind":"group","size":32}}', factory: [int4({ groupSize: 32 })] },
  kmeans4: { json: '{"kind":"quantize.kmeans","bits":4}', factory: [kmeans({ bits: 4 })] },
  float16: { json: '{"kind":"cast","dtype":"float16"}', factory: [{ kind: 'cast', dtype: 'float16' }] },
  fp16: { json: '{"kind":"onnx.fp16"}', factory: [onnxFloat16()] },
  q4: { json: '{"kind":"onnx.q4"}', factory: [onnxQ4()] },
  q4f16: { json: '[{"kind":"onnx.q4"},{"kind":"onnx.fp16"}]', factory: [onnxQ4(), onnxFloat16()] },
  q8: { json: '{"kind":"onnx.dynamic"}', factory: [onnxDynamic({ weightType: 'int8' })] },
  uint8: { json: '{"kind":"onnx.dynamic","weightType":"uint8"}', factory: [onnxDynamic({ weightType: 'uint8' })] },
  'uint8-stock': { json: '{"kind":"quantize.uint8"}', factory: [uint8()] },
};

/** Every file of an output (a TFJS directory or one file), by name. */
async function outputBytes(path: string): Promise<Map<string, Buffer>> {
  if (path.endsWith('.safetensors')) return new Map([['file', await readFile(path)]]);
  const names = (await readdir(path)).sort();
  return new Map(await Promise.all(names.map(async (name) => [name, await readFile(join(path, name))] as const)));
}

describe('--preset', () => {
  test('the presets are the documented ten, each with a description, and they validate', () => {
    expect(RECIPE_PRESETS.map(({ name }) => name)).toEqual(['int8', 'int4-g32', 'kmeans4', 'float16', 'fp16', 'q4', 'q4f16', 'q8', 'uint8', 'uint8-stock']);
    for (const preset of RECIPE_PRESETS) {
      expect(preset.description.length).toBeGreaterThan(10);
      expect(validateRecipe(preset.recipe)).toEqual(validateRecipe(EQUIVALENTS[preset.name]!.factory));
    }
  });

  // fp16 rewrites an ONNX graph: onnx-model.test.ts runs it on an .onnx model.
  const forEveryFormat = RECIPE_PRESETS.filter(({ recipe }) => !recipe.some((step) => step.kind.startsWith('onnx.')));
  test.each(forEveryFormat.map(({ name }) => name))('%s writes the same bytes as its recipe written out, for TFJS and safetensors', async (name) => {
    for (const [input, suffix] of [[tfjsModel, ''], [safetensors, '.safetensors']] as const) {
      const byPreset = join(outputs, `${name}-preset${suffix}`);
      const byRecipe = join(outputs, `${name}-recipe${suffix}`);
      const preset = await runRecorded('compress', input, '--preset', name, '-o', byPreset, '--json');
      const recipe = await runRecorded('compress', input, '--recipe', EQUIVALENTS[name]!.json, '-o', byRecipe, '--json', '--quiet');
      expect(preset.status, preset.err).toBe(0);
      expect(recipe.status, recipe.err).toBe(0);
      const withoutTimes = (text: string) => JSON.parse(text, (key, value) => (key === 'seconds' ? 0 : value));
      expect(withoutTimes(preset.out)).toEqual(withoutTimes(recipe.out));
      expect(JSON.parse(preset.out).ratio).toBeGreaterThan(1.2);
      expect(await outputBytes(byPreset)).toEqual(await outputBytes(byRecipe));
    }
  });
});

describe('one-step recipes', () => {
  test('one step inline, one step in a file and a one-step array write the same bytes', async () => {
    const step = '{"kind":"quantize.affine","bits":4,"granularity":{"kind":"group","size":32}}';
    const file = join(directory, 'one-step.json');
    await writeFile(file, `\n  ${step}\n`);
    const runs = [['inline', step], ['file', file], ['array', `[${step}]`]] as const;
    for (const [name, recipe] of runs) {
      const run = await runRecorded('compress', tfjsModel, '--recipe', recipe, '-o', join(outputs, `one-${name}`), '--quiet');
      expect(run.status, run.err).toBe(0);
      expect(run.err).toBe('');
    }
    const inline = await outputBytes(join(outputs, 'one-inline'));
    expect(await outputBytes(join(outputs, 'one-file'))).toEqual(inline);
    expect(await outputBytes(join(outputs, 'one-array'))).toEqual(inline);
  });

  test('errors in a one-step recipe name step 1', async () => {
    const run = await runRecorded('compress', tfjsModel, '--recipe', '{"kind":"cast","dtype":"float8"}', '-o', join(outputs, 'bad'));
    expect(run.status).toBe(1);
    expect(run.err).toMatch(/^whittle: --recipe: step 1: dtype: dtype must be one of float32, float16, bfloat16; got "float8"\n$/);
  });
});

describe('compress --help', () => {
  test('lists every registered kind with its description and example, every preset, and examples', async () => {
    const { status, out } = await runRecorded('compress', '--help');
    expect(status).toBe(0);
    const kinds = defaultRegistry.kinds();
    expect(kinds).toEqual(expect.arrayContaining(['cast', 'quantize.affine', 'quantize.kmeans', 'quantize.uint8', 'quantize.float16']));
    for (const kind of kinds) {
      const handler = defaultRegistry.get(kind)!;
      expect(out).toMatch(new RegExp(`^  ${kind.replace('.', '\\.')}\\s+${escape(handler.description)}$`, 'm'));
      if (handler.example !== undefined) expect(out).toContain(JSON.stringify(handler.example));
    }
    for (const preset of RECIPE_PRESETS) {
      expect(out).toMatch(new RegExp(`^  ${escape(preset.name)}\\s+${escape(preset.description)}$`, 'm'));
      expect(out).toContain(`= ${JSON.stringify(preset.recipe)}`);
    }
    expect(out).toMatch(/^Examples:\n {2}whittle compress model\/ --preset int8 -o model-int8\/$/m);
  });

  test('every example step in the listing and every example command recipe is valid', async () => {
    const { out } = await runRecorded('compress', '--help');
    const steps = [...out.matchAll(/^\s+(\{"kind".*\})$/gm)].map((match) => JSON.parse(match[1]!));
    expect(steps.length).toBeGreaterThanOrEqual(5);
    for (const step of steps) expect(() => validateRecipe([step])).not.toThrow();
    const inline = [...out.matchAll(/--recipe '([^']+)'/g)].map((match) => match[1]!);
    expect(inline.length).toBeGreaterThanOrEqual(2);
    for (const recipe of inline) {
      const parsed = JSON.parse(recipe);
      expect(() => validateRecipe(Array.isArray(parsed) ? parsed : [parsed])).not.toThrow();
    }
  });

  test("a newly registered kind appears with its handler's description, with no change to the CLI", () => {
    if (!defaultRegistry.has('test.listed')) {
      registerRecipeHandler({
        kind: 'test.listed',
        effect: 're-encodes-params',
        description: 'a technique package added after the CLI was written',
        example: { kind: 'test.listed', strength: 3 },
        validate: (step) => step,
        apply: (model) => model,
      });
    }
    expect(compressHelp()).toMatch(/^ {2}test\.listed\s+a technique package added after the CLI was written\n\s+\{"kind":"test\.listed","strength":3\}$/m);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
