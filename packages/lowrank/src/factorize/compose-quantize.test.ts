import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { compress, createModel, createRecipeRegistry, decodeToFloat32, denseEncoding, hostTensor, type Model, type Param } from '@whittle/core';
import { compressSafetensorsFile, readSafetensorsFile, writeSafetensorsFile } from '@whittle/core/fs';
import { quantizeHandlers } from '@whittle/quantize';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lowRankSvdHandler } from './factorize-step.ts';
import { matrixProduct, paramValues, randomValues, relativeError } from './factorize-models.test-support.ts';

const registry = createRecipeRegistry([lowRankSvdHandler, ...quantizeHandlers]);
const INT8 = { kind: 'quantize.affine', bits: 8, symmetric: true, granularity: { kind: 'axis' } };
let directory: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  directory = await mkdtemp(join(tmpdir(), 'whittle-lowrank-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function checkpoint(): Model {
  const params: Param[] = [
    { name: 'embed.weight', role: 'embedding', shape: [96, 32], value: denseEncoding(hostTensor('float32', [96, 32], randomValues(96 * 32, 1))) },
    { name: 'proj.weight', role: 'linear-weight', shape: [48, 64], value: denseEncoding(hostTensor('float32', [48, 64], randomValues(48 * 64, 2))) },
    { name: 'proj.bias', role: 'bias', shape: [48], value: denseEncoding(hostTensor('float32', [48], randomValues(48, 3))) },
  ];
  return createModel({ format: 'safetensors', topology: null, params });
}

describe('lowrank.svd then int8 quantization of the factors', () => {
  test('a safetensors checkpoint streams through both steps and reads back as quantized factors whose product is the factorization', async () => {
    const model = checkpoint();
    const input = join(directory, 'model.safetensors');
    const output = join(directory, 'model-lowrank-int8.safetensors');
    await writeSafetensorsFile(input, model);
    const recipe = [{ kind: 'lowrank.svd', rewrite: false, rank: 8 }, INT8];
    // A threshold below every tensor offers each one in blocks of rows first: a factorization must not be blocked.
    const result = await compressSafetensorsFile(input, output, recipe, { registry, rowBlocks: { threshold: 1024, blockBytes: 512 } });
    expect(result.streamed).toBe(true);
    const { model: factorized } = await compress(model, [recipe[0]!], { registry });
    const reread = await readSafetensorsFile(output);
    for (const [name, rows, columns] of [['embed.weight', 96, 32], ['proj.weight', 48, 64]] as const) {
      const param = reread.params.get(name)!;
      if (param.value.kind !== 'lowrank') throw new Error(`${name} is ${param.value.kind}`);
      expect(param.value.left.kind).toBe('affine');
      expect(param.value.right.kind).toBe('affine');
      expect(param.shape).toEqual([rows, columns]);
      const product = factorized.params.get(name)!.value;
      if (product.kind !== 'lowrank') throw new Error('not factorized in memory');
      const exact = matrixProduct(decodeToFloat32(product.left).data, decodeToFloat32(product.right).data, rows, 8, columns);
      // The quantized factors' product is the factorization to within int8 rounding of both factors.
      expect(relativeError(exact, decodeToFloat32(param.value).data)).toBeLessThan(0.02);
      // And the factorization is the rank-8 truncation of the original, far from it only by what was cut.
      expect(relativeError(paramValues(model, name), exact)).toBeLessThan(1);
    }
    expect(reread.params.get('proj.bias')!.value.kind).toBe('dense');
    expect(result.steps[0]!.bytesAfter).toBeLessThan(result.steps[0]!.bytesBefore);
    expect(result.steps[1]!.bytesAfter).toBeLessThan(result.steps[1]!.bytesBefore / 3);
  });

  test('a model-wide budget reads the checkpoint whole, and gives what compress gives', async () => {
    const model = checkpoint();
    const input = join(directory, 'budget.safetensors');
    const output = join(directory, 'budget-out.safetensors');
    await writeSafetensorsFile(input, model);
    const step = { kind: 'lowrank.svd', budget: 0.3 };
    const result = await compressSafetensorsFile(input, output, [step], { registry });
    expect(result.streamed).toBe(false);
    const { model: inMemory } = await compress(model, [step], { registry });
    const reread = await readSafetensorsFile(output);
    for (const name of ['embed.weight', 'proj.weight']) expect(paramValues(reread, name)).toEqual(paramValues(inMemory, name));
  });
});
