import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesSource, denseEncoding, hostTensor, useBackend, type DType, type Model, type Param } from '@whittle/core';
import { openSafetensorsFile, writeSafetensorsFile } from '@whittle/core/fs';
import { addLora } from './add-lora.ts';
import { encodeLoraAdapters, loadLoraAdapters, readLoraAdapters, saveLoraAdapters } from './lora-files.ts';
import type { LoraAdapters } from './lora-types.ts';
import { CLASSES, HIDDEN, INPUTS, classificationBatches, classifierModel, predict, randomInputs } from './lora.test-support.ts';

let model: Model;
let directory: string;
let fileNumber = 0;

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
  model = await classifierModel();
  directory = await mkdtemp(join(tmpdir(), 'whittle-lora-files-'));
}, 120_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const nextPath = (): string => join(directory, `adapter-${++fileNumber}.safetensors`);

const finite = fc.float({ noNaN: true, noDefaultInfinity: true });
const matrix = (rows: number, columns: number) => fc.array(finite, { minLength: rows * columns, maxLength: rows * columns }).map((values) => hostTensor('float32', [rows, columns], Float32Array.from(values)));
const adaptersOf = (rank: number) =>
  fc.record({
    rank: fc.constant(rank),
    alpha: fc.double({ min: 0.125, max: 256, noNaN: true }),
    layers: fc.tuple(matrix(INPUTS, rank), matrix(rank, HIDDEN), matrix(HIDDEN, rank), matrix(rank, CLASSES)).map(([a1, b1, a2, b2]) => [
      { layer: 'hidden', a: a1, b: b1 },
      { layer: 'head', a: a2, b: b2 },
    ]),
  });

describe('saveLoraAdapters and loadLoraAdapters', () => {
  it('round-trip any finite adapters exactly, with r and alpha', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }).chain(adaptersOf), async (adapters: LoraAdapters) => {
        const path = nextPath();
        await saveLoraAdapters(path, adapters);
        const loaded = await loadLoraAdapters(path, model);
        expect(loaded.rank).toBe(adapters.rank);
        expect(loaded.alpha).toBe(adapters.alpha);
        expect(loaded.layers.map((layer) => layer.layer)).toEqual(['hidden', 'head']);
        for (const [index, layer] of loaded.layers.entries()) {
          expect(layer.a.shape).toEqual(adapters.layers[index]!.a.shape);
          expect(new Uint32Array(layer.a.data.buffer, layer.a.data.byteOffset, layer.a.data.length)).toEqual(new Uint32Array(adapters.layers[index]!.a.data.buffer));
          expect(new Uint32Array(layer.b.data.buffer, layer.b.data.byteOffset, layer.b.data.length)).toEqual(new Uint32Array(adapters.layers[index]!.b.data.buffer));
        }
      }),
      { numRuns: 15 },
    );
  });

  it("writes PEFT's names and orientation: lora_A [r, in] = Aᵀ, lora_B [out, r] = Bᵀ", async () => {
    const a = hostTensor('float32', [INPUTS, 2], Float32Array.from({ length: INPUTS * 2 }, (_, index) => index + 1));
    const b = hostTensor('float32', [2, HIDDEN], Float32Array.from({ length: 2 * HIDDEN }, (_, index) => -index));
    const path = nextPath();
    await saveLoraAdapters(path, { rank: 2, alpha: 16, layers: [{ layer: 'hidden', a, b }] });
    const file = await openSafetensorsFile(path);
    try {
      expect([...file.header.tensors.keys()].sort()).toEqual(['hidden.lora_A.weight', 'hidden.lora_B.weight']);
      expect(file.header.metadata).toMatchObject({ r: '2', alpha: '16' });
      const peftA = await file.readTensor('hidden.lora_A.weight');
      const peftB = await file.readTensor('hidden.lora_B.weight');
      expect(peftA.shape).toEqual([2, INPUTS]);
      expect(peftB.shape).toEqual([HIDDEN, 2]);
      for (let row = 0; row < INPUTS; row++) for (let column = 0; column < 2; column++) expect(peftA.data[column * INPUTS + row]).toBe(a.data[row * 2 + column]);
      for (let row = 0; row < 2; row++) for (let column = 0; column < HIDDEN; column++) expect(peftB.data[column * 2 + row]).toBe(b.data[row * HIDDEN + column]);
    } finally {
      await file.close();
    }
  });

  it('encode and read work on bytes alone, and match the file', async () => {
    const adapters: LoraAdapters = { rank: 1, alpha: 3, layers: [{ layer: 'head', a: hostTensor('float32', [HIDDEN, 1], Float32Array.from({ length: HIDDEN }, (_, index) => index / 7)), b: hostTensor('float32', [1, CLASSES], Float32Array.of(1, -2, 3, -4)) }] };
    const bytes = await encodeLoraAdapters(adapters);
    expect(await readLoraAdapters(bytesSource(bytes, 'adapter.safetensors'), model)).toEqual(adapters);
    const path = nextPath();
    await saveLoraAdapters(path, adapters);
    expect(await loadLoraAdapters(path)).toEqual(adapters);
  });

  it('refuses adapters that are not float32 matrices, leaving no file behind', async () => {
    const folder = join(directory, 'refused');
    await mkdir(folder);
    const adapters = { rank: 1, alpha: 1, layers: [{ layer: 'head', a: hostTensor('int32', [HIDDEN, 1]), b: hostTensor('float32', [1, CLASSES]) }] } as unknown as LoraAdapters;
    await expect(saveLoraAdapters(join(folder, 'adapter.safetensors'), adapters)).rejects.toMatchObject({ name: 'WhittleError', field: 'adapters.layers[0].a' });
    await expect(saveLoraAdapters(join(folder, 'adapter.safetensors'), { ...adapters, rank: 0 })).rejects.toMatchObject({ name: 'WhittleError', field: 'adapters.rank' });
    expect(await readdir(folder)).toEqual([]);
  });

  it('restores a trained adapted model exactly from the file', async () => {
    const batches = classificationBatches(2, 16);
    const optimizer = tf.train.adam(0.05);
    const trained = await addLora(model, { rank: 2, alpha: 4, seed: 3 });
    try {
      await trained.fit(batches, { epochs: 2, optimizer, loss: 'categoricalCrossentropy' });
      const path = nextPath();
      await saveLoraAdapters(path, await trained.adapters());
      const restored = await addLora(model, { adapters: await loadLoraAdapters(path, model) });
      try {
        const inputs = randomInputs(10, 77);
        expect(predict(restored.layersModel, inputs)).toEqual(predict(trained.layersModel, inputs));
      } finally {
        restored.dispose();
      }
    } finally {
      trained.dispose();
      optimizer.dispose();
      tf.dispose(batches.flatMap((batch) => [batch.inputs, batch.targets]));
    }
  });
});

function tensorParam(name: string, shape: number[], fill: (index: number) => number = () => 0.5, dtype: DType = 'float32'): Param {
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  const data = dtype === 'int32' ? Int32Array.from({ length: size }, (_, index) => fill(index)) : Float32Array.from({ length: size }, (_, index) => fill(index));
  return { name, role: 'other', shape, value: denseEncoding(hostTensor(dtype, shape, data as Float32Array)) };
}

const good = (): Param[] => [tensorParam('hidden.lora_A.weight', [2, INPUTS]), tensorParam('hidden.lora_B.weight', [HIDDEN, 2])];

describe('loadLoraAdapters on hostile files', () => {
  it.each<[string, Param[], Record<string, string>, string]>([
    ['A with the wrong rank', [tensorParam('hidden.lora_A.weight', [3, INPUTS]), good()[1]!], { r: '2', alpha: '4' }, 'hidden.lora_A.weight'],
    ['B with the wrong rank', [good()[0]!, tensorParam('hidden.lora_B.weight', [HIDDEN, 1])], { r: '2', alpha: '4' }, 'hidden.lora_B.weight'],
    ['A with the wrong inputs for the model', [tensorParam('hidden.lora_A.weight', [2, INPUTS + 1]), good()[1]!], { r: '2', alpha: '4' }, 'hidden.lora_A.weight'],
    ['B with the wrong outputs for the model', [good()[0]!, tensorParam('hidden.lora_B.weight', [HIDDEN - 1, 2])], { r: '2', alpha: '4' }, 'hidden.lora_B.weight'],
    ['A of three dimensions', [tensorParam('hidden.lora_A.weight', [2, INPUTS, 1]), good()[1]!], { r: '2', alpha: '4' }, 'hidden.lora_A.weight'],
    ['a missing lora_B', [good()[0]!], { r: '2', alpha: '4' }, 'hidden.lora_B.weight'],
    ['a missing lora_A', [good()[1]!], { r: '2', alpha: '4' }, 'hidden.lora_A.weight'],
    ['NaN in A', [tensorParam('hidden.lora_A.weight', [2, INPUTS], (index) => (index === 5 ? Number.NaN : 1)), good()[1]!], { r: '2', alpha: '4' }, 'hidden.lora_A.weight'],
    ['an infinity in B', [good()[0]!, tensorParam('hidden.lora_B.weight', [HIDDEN, 2], (index) => (index === 0 ? Number.NEGATIVE_INFINITY : 1))], { r: '2', alpha: '4' }, 'hidden.lora_B.weight'],
    ['int32 values', [tensorParam('hidden.lora_A.weight', [2, INPUTS], () => 1, 'int32'), good()[1]!], { r: '2', alpha: '4' }, 'hidden.lora_A.weight'],
    ['a tensor that is not LoRA', [...good(), tensorParam('hidden.weight', [2, 2])], { r: '2', alpha: '4' }, 'hidden.weight'],
    ['a layer the model lacks', [tensorParam('missing.lora_A.weight', [2, INPUTS]), tensorParam('missing.lora_B.weight', [HIDDEN, 2])], { r: '2', alpha: '4' }, 'missing.lora_A.weight'],
    ['no r', good(), { alpha: '4' }, '__metadata__.r'],
    ['a fractional r', good(), { r: '2.5', alpha: '4' }, '__metadata__.r'],
    ['a negative alpha', good(), { r: '2', alpha: '-4' }, '__metadata__.alpha'],
    ['a NaN alpha', good(), { r: '2', alpha: 'NaN' }, '__metadata__.alpha'],
    ['no tensors', [], { r: '2', alpha: '4' }, 'tensors'],
  ])('refuses %s with one line naming the file and the tensor', async (_, params, metadata, field) => {
    const path = nextPath();
    await writeSafetensorsFile(path, params, { metadata });
    const error = await loadLoraAdapters(path, model).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ name: 'WhittleError', code: 'malformed-file', file: path, field });
    expect((error as Error).message).not.toMatch(/[\n\r]/u);
    expect((error as Error).message).toContain(path);
  });

  it('refuses a file that is not safetensors, and a missing file, with typed errors naming the path', async () => {
    const garbage = nextPath();
    await writeFile(garbage, new Uint8Array([255, 255, 255, 255, 255, 255, 255, 127, 1, 2, 3]));
    await expect(loadLoraAdapters(garbage, model)).rejects.toMatchObject({ name: 'WhittleError', message: expect.stringContaining(garbage) });
    const missing = join(directory, 'missing.safetensors');
    await expect(loadLoraAdapters(missing, model)).rejects.toMatchObject({ name: 'WhittleError', message: expect.stringContaining(missing) });
  });

  it('refuses adapters that do not fit the model when adding them', async () => {
    const adapters: LoraAdapters = { rank: 2, alpha: 2, layers: [{ layer: 'hidden', a: hostTensor('float32', [INPUTS, 2]), b: hostTensor('float32', [2, HIDDEN + 1]) }] };
    const before = tf.memory().numTensors;
    await expect(addLora(model, { adapters })).rejects.toMatchObject({ name: 'WhittleError', field: 'adapters.layers[0].b' });
    const nan = { ...adapters, layers: [{ layer: 'hidden', a: hostTensor('float32', [INPUTS, 2], new Float32Array(INPUTS * 2).fill(Number.NaN)), b: hostTensor('float32', [2, HIDDEN]) }] };
    await expect(addLora(model, { adapters: nan })).rejects.toMatchObject({ name: 'WhittleError', field: 'adapters.layers[0].a' });
    expect(tf.memory().numTensors).toBe(before);
  });
});
