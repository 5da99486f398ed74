import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { denseEncoding } from '../encoding/dense.ts';
import { decodeToFloat32 } from '../encoding/decode.ts';
import { createModel } from '../model/create-model.ts';
import { createRecipeRegistry } from '../recipe/registry.ts';
import type { RecipeHandler } from '../recipe/types.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { compressSafetensorsFile } from './safetensors-compress.ts';
import { readSafetensorsFile, writeSafetensorsFile } from './safetensors-file.ts';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-whole-tensors-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** A per-param step that subtracts the tensor's mean: right only when it sees the whole tensor. */
function centring(wholeTensors: boolean): RecipeHandler {
  return {
    kind: 'test.centre',
    description: 'subtracts the mean of the whole tensor',
    effect: 're-encodes-params',
    defaultRoles: ['linear-weight'],
    perParam: true,
    ...(wholeTensors ? { wholeTensors: true } : {}),
    validate: (step) => step,
    encodeParam(param) {
      const { data, shape } = decodeToFloat32(param.value);
      const mean = data.reduce((sum, value) => sum + value, 0) / data.length;
      return denseEncoding(hostTensor('float32', [...shape], data.map((value) => value - mean)));
    },
    apply: (model) => model,
  };
}

describe('steps that need whole tensors', () => {
  test('a recipe with a wholeTensors step is never given a tensor in blocks of rows', async () => {
    const values = Float32Array.from({ length: 64 * 32 }, (_, index) => Math.floor(index / 32));
    const model = createModel({ format: 'safetensors', topology: null, params: [{ name: 'proj.weight', role: 'linear-weight', shape: [64, 32], value: denseEncoding(hostTensor('float32', [64, 32], values)) }] });
    const input = join(directory, 'in.safetensors');
    await writeSafetensorsFile(input, model);
    const rowBlocks = { threshold: 1024, blockBytes: 1024 };
    for (const wholeTensors of [false, true]) {
      const output = join(directory, `out-${wholeTensors}.safetensors`);
      const result = await compressSafetensorsFile(input, output, [{ kind: 'test.centre' }], { registry: createRecipeRegistry([centring(wholeTensors)]), rowBlocks });
      expect(result.streamed).toBe(true);
      expect(result.rowBlocked).toBe(wholeTensors ? 0 : 1);
      const written = decodeToFloat32((await readSafetensorsFile(output)).params.get('proj.weight')!.value).data;
      // The mean row index is 31.5: only the whole tensor's mean centres row 0 at -31.5.
      if (wholeTensors) expect(written[0]).toBe(-31.5);
      else expect(written[0]).not.toBe(-31.5);
    }
  });
});
