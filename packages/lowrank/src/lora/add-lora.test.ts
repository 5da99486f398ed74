import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeToFloat32, getParam, useBackend, type Model } from '@whittle/core';
import { writeTfjsModelFiles } from '@whittle/core/fs';
import { loadRunnable } from '@whittle/core/runner';
import { addLora } from './add-lora.ts';
import { CLASSES, HIDDEN, INPUTS, classificationBatches, classifierModel, loadWithStockTfjs, predict, randomInputs } from './lora.test-support.ts';

let model: Model;
let directory: string;

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
  model = await classifierModel();
  directory = await mkdtemp(join(tmpdir(), 'whittle-lora-'));
}, 120_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** The base model's outputs, from stock tfjs loading the model as written (no LoRA code involved). */
async function baseOutputs(inputs: Float32Array): Promise<Float32Array> {
  const output = join(directory, `base-${Math.random().toString(36).slice(2)}`);
  await writeTfjsModelFiles(model, output);
  const stock = await loadWithStockTfjs(output);
  try {
    return predict(stock, inputs);
  } finally {
    stock.dispose();
  }
}

/** The raw value of every weight of the LoRA model's LayersModel, by name (the variables, not what layers read). */
function rawWeights(layersModel: tfl.LayersModel): Map<string, Float32Array> {
  return new Map(layersModel.weights.map((weight) => [weight.originalName, (weight as unknown as { val: tf.Variable }).val.dataSync() as Float32Array]));
}

describe('addLora', () => {
  it('computes exactly what the base model computes at initialisation, for any rank, alpha and seed', async () => {
    const inputs = randomInputs(16, 3);
    const expected = await baseOutputs(inputs);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.double({ min: 0.5, max: 64, noNaN: true }), fc.integer({ min: 0, max: 2 ** 31 }), async (rank, alpha, seed) => {
        const lora = await addLora(model, { rank, alpha, seed });
        try {
          expect(predict(lora.layersModel, inputs)).toEqual(expected);
          const adapters = await lora.adapters();
          // A starts non-zero (Gaussian), B zero, so the product is zero.
          for (const adapter of adapters.layers) {
            expect(adapter.a.data.some((value) => value !== 0)).toBe(true);
            expect(adapter.b.data.every((value) => value === 0)).toBe(true);
          }
        } finally {
          lora.dispose();
        }
      }),
      { numRuns: 8 },
    );
  });

  it('selects layers by include, exclude and role, and counts r·(in + out) trainable parameters per layer', async () => {
    const all = await addLora(model, { rank: 2 });
    const head = await addLora(model, { rank: 3, include: ['head/*'] });
    const hidden = await addLora(model, { rank: 2, exclude: ['head/**'] });
    try {
      expect(all.layers.map((layer) => layer.layer)).toEqual(['hidden', 'head']);
      expect(all.trainableParamCount).toBe(2 * (INPUTS + HIDDEN) + 2 * (HIDDEN + CLASSES));
      expect(head.layers).toEqual([{ layer: 'head', kernel: 'head/kernel', inputs: HIDDEN, outputs: CLASSES }]);
      expect(head.trainableParamCount).toBe(3 * (HIDDEN + CLASSES));
      expect(hidden.layers.map((layer) => layer.layer)).toEqual(['hidden']);
      // tfjs-layers itself trains exactly the adapters.
      expect(head.layersModel.trainableWeights.map((weight) => weight.originalName)).toEqual(['head/lora_A', 'head/lora_B']);
    } finally {
      all.dispose();
      head.dispose();
      hidden.dispose();
    }
  });

  it.each([
    [{ rank: 0 }, 'options.rank'],
    [{ rank: 1.5 }, 'options.rank'],
    [{ rank: 2, alpha: Number.NaN }, 'options.alpha'],
    [{ rank: 2, alpha: -1 }, 'options.alpha'],
    [{ rank: 5 }, 'rank'],
    [{ rank: 2, include: ['nothing/*'] }, 'include'],
    [{ rank: 2, roles: ['bias'] as const }, 'roles[0]'],
    [{ rank: 2, seed: 0.5 }, 'seed'],
    [{ rank: 2, initialStandardDeviation: 0 }, 'initialStandardDeviation'],
  ])('refuses %j naming %s', async (options, field) => {
    const before = tf.memory().numTensors;
    await expect(addLora(model, options as never)).rejects.toMatchObject({ name: 'WhittleError', field });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains only the adapters: every base weight stays bit-identical, and no tensor leaks across epochs', async () => {
    const batches = classificationBatches(4, 16);
    const before = tf.memory().numTensors;
    const lora = await addLora(model, { rank: 2, alpha: 4, seed: 5 });
    const optimizer = tf.train.adam(0.05);
    try {
      const initial = rawWeights(lora.layersModel);
      const counts: number[] = [];
      const losses = await lora.fit(batches, { epochs: 4, optimizer, loss: 'categoricalCrossentropy', onEpoch: () => void counts.push(tf.memory().numTensors) });
      expect(losses.at(-1)!).toBeLessThan(losses[0]!);
      // Adam's moments appear in the first step; after that the count holds.
      expect(new Set(counts).size).toBe(1);
      const settled = tf.memory().numTensors;
      predict(lora.layersModel, randomInputs(4, 2));
      await lora.adapters();
      await lora.merge();
      expect(tf.memory().numTensors).toBe(settled);
      const trained = rawWeights(lora.layersModel);
      for (const [name, values] of initial) {
        if (name.endsWith('/lora_B')) expect(trained.get(name)!.some((value) => value !== 0), name).toBe(true);
        else if (name.endsWith('/lora_A')) expect(trained.get(name), name).not.toEqual(values);
        else expect(new Uint32Array(trained.get(name)!.buffer)).toEqual(new Uint32Array(values.buffer));
      }
      // And the base weights equal the model's params, bit for bit.
      for (const name of ['hidden/kernel', 'hidden/bias', 'head/kernel', 'head/bias']) {
        expect(new Uint32Array(trained.get(name)!.buffer)).toEqual(new Uint32Array(decodeToFloat32(getParam(model, name).value).data.buffer));
      }
    } finally {
      lora.dispose();
      optimizer.dispose();
      tf.dispose(batches.flatMap((batch) => [batch.inputs, batch.targets]));
    }
    expect(tf.memory().numTensors).toBe(before - 8);
  });

  it('merges into a model that stock tfjs loads and that equals the adapted model on random inputs', async () => {
    const batches = classificationBatches(3, 16);
    const optimizer = tf.train.adam(0.05);
    const lora = await addLora(model, { rank: 2, alpha: 6, seed: 9 });
    try {
      await lora.fit(batches, { epochs: 2, optimizer, loss: 'categoricalCrossentropy' });
      const merged = await lora.merge();
      expect(merged.topology).toEqual(model.topology);
      expect([...merged.params.keys()]).toEqual([...model.params.keys()]);
      // The merged kernels equal W + (α/r)·A·B computed plainly from the adapters.
      const adapters = await lora.adapters();
      for (const adapter of adapters.layers) {
        const base = decodeToFloat32(getParam(model, `${adapter.layer}/kernel`).value);
        const mergedKernel = decodeToFloat32(getParam(merged, `${adapter.layer}/kernel`).value);
        const [inputs, outputs] = base.shape as [number, number];
        for (let row = 0; row < inputs; row++) {
          for (let column = 0; column < outputs; column++) {
            let product = 0;
            for (let inner = 0; inner < 2; inner++) product += adapter.a.data[row * 2 + inner]! * adapter.b.data[inner * outputs + column]!;
            expect(mergedKernel.data[row * outputs + column]).toBeCloseTo(base.data[row * outputs + column]! + 3 * product, 5);
          }
        }
        expect(adapter.b.data.some((value) => value !== 0)).toBe(true);
      }
      expect(decodeToFloat32(getParam(merged, 'head/bias').value).data).toEqual(decodeToFloat32(getParam(model, 'head/bias').value).data);
      const output = join(directory, 'merged');
      await writeTfjsModelFiles(merged, output);
      const stock = await loadWithStockTfjs(output);
      try {
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: 12 }), async (seed, rows) => {
            const inputs = randomInputs(rows, seed);
            const adapted = predict(lora.layersModel, inputs);
            const reloaded = predict(stock, inputs);
            for (let index = 0; index < adapted.length; index++) expect(Math.abs(reloaded[index]! - adapted[index]!)).toBeLessThan(1e-6);
          }),
          { numRuns: 20 },
        );
        // The adapters moved the model away from the base.
        const inputs = randomInputs(8, 1);
        expect(predict(stock, inputs)).not.toEqual(await baseOutputs(inputs));
      } finally {
        stock.dispose();
      }
      // whittle's own runner runs the merged model too.
      const runnable = await loadRunnable(merged);
      runnable.dispose();
    } finally {
      lora.dispose();
      optimizer.dispose();
      tf.dispose(batches.flatMap((batch) => [batch.inputs, batch.targets]));
    }
  });

  it('refuses to work once disposed', async () => {
    const lora = await addLora(model, { rank: 1 });
    lora.dispose();
    lora.dispose();
    await expect(lora.merge()).rejects.toMatchObject({ name: 'WhittleError', field: 'lora' });
  });
});
