import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeToFloat32, hostTensor, modelFromTensors, replaceParams, sparseFromDense, useBackend, type Model } from '@whittle/core';
import { classificationBatches, classifierModel, HIDDEN, INPUTS, CLASSES } from './gradual.test-support.ts';
import { constantSchedule, polynomialSchedule, sparsityAt } from './polynomial-schedule.ts';
import { stripPruning } from './strip-pruning.ts';
import { trainPruned } from './train-pruned.ts';

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
}, 120_000);

const KERNELS = ['hidden/kernel', 'head/kernel'] as const;
const SIZES: Record<string, number> = { 'hidden/kernel': INPUTS * HIDDEN, 'head/kernel': HIDDEN * CLASSES };

/** The elements of a float32 array that are +0 (the bits sparse storage drops), by index. */
function positiveZeros(values: ArrayLike<number>): Set<number> {
  const zeros = new Set<number>();
  for (let index = 0; index < values.length; index++) if (Object.is(values[index], 0)) zeros.add(index);
  return zeros;
}

function weightValues(layersModel: { weights: { originalName: string; read(): tf.Tensor }[] }, name: string): Float32Array {
  return layersModel.weights.find((weight) => weight.originalName === name)!.read().dataSync() as Float32Array;
}

describe('trainPruned', () => {
  it('holds the pruned weights at +0 after every Adam step, tightening on schedule and never reviving one', async () => {
    const schedule = polynomialSchedule({ initialSparsity: 0.2, finalSparsity: 0.8, beginStep: 2, endStep: 12, frequency: 3 });
    const optimizer = tf.train.adam(0.05);
    const previous = new Map<string, Set<number>>(KERNELS.map((name) => [name, new Set()]));
    const checked: number[] = [];
    try {
      const result = await trainPruned(classifierModel(), {
        schedule,
        data: classificationBatches(4, 32),
        loss: 'categoricalCrossentropy',
        optimizer,
        epochs: 4,
        include: ['*/kernel'],
        onBatch: ({ step, sparsity, layersModel }) => {
          expect(sparsity).toBe(sparsityAt(schedule, step));
          for (const name of KERNELS) {
            const zeros = positiveZeros(weightValues(layersModel, name));
            // Adam moves every kept weight off zero; exactly the pruned ones sit at +0.
            expect(zeros.size).toBe(Math.round(sparsity * SIZES[name]!));
            for (const index of previous.get(name)!) expect(zeros.has(index)).toBe(true);
            previous.set(name, zeros);
          }
          checked.push(step);
        },
      });
      expect(checked).toEqual(Array.from({ length: 16 }, (_, index) => index + 1));
      expect(result.steps).toBe(16);
      expect(result.losses).toHaveLength(4);
      expect(result.losses[3]!).toBeLessThan(result.losses[0]!);
      // Biases were not selected: no mask, and they trained.
      expect([...result.masks.keys()]).toEqual([...KERNELS]);
      for (const name of KERNELS) {
        const trained = decodeToFloat32(result.model.params.get(name)!.value).data;
        const mask = result.masks.get(name)!;
        expect(positiveZeros(trained)).toEqual(previous.get(name));
        for (let index = 0; index < mask.length; index++) expect(mask[index] === 0).toBe(previous.get(name)!.has(index));
      }
    } finally {
      optimizer.dispose();
    }
  });

  it('keeps the number of tensors steady across epochs and leaves none behind', async () => {
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const optimizer = tf.train.adam(0.01);
    await trainPruned(classifierModel(), {
      schedule: polynomialSchedule({ finalSparsity: 0.9, endStep: 20, frequency: 2 }),
      data: classificationBatches(3, 16),
      loss: 'categoricalCrossentropy',
      optimizer,
      epochs: 6,
      batchSize: 8,
      onEpoch: () => counts.push(tf.memory().numTensors),
    });
    optimizer.dispose();
    expect(counts).toHaveLength(6);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('strips to sparse storage at the final sparsity, within one element per tensor, with the trained values', async () => {
    const optimizer = tf.train.sgd(0.1);
    const schedule = polynomialSchedule({ initialSparsity: 0.1, finalSparsity: 0.75, endStep: 6, frequency: 2 });
    const { model, masks } = await trainPruned(classifierModel(), {
      schedule,
      data: classificationBatches(4, 16),
      loss: 'categoricalCrossentropy',
      optimizer,
      epochs: 2,
    });
    optimizer.dispose();
    const stripped = stripPruning(model, masks);
    for (const name of KERNELS) {
      const param = stripped.params.get(name)!;
      expect(param.value.kind).toBe('sparse');
      const values = decodeToFloat32(param.value).data;
      const zeros = values.filter((value) => value === 0).length;
      expect(Math.abs(zeros - 0.75 * values.length)).toBeLessThanOrEqual(1);
      expect(values).toEqual(decodeToFloat32(model.params.get(name)!.value).data);
    }
    expect(stripped.params.get('hidden/bias')!.value).toBe(model.params.get('hidden/bias')!.value);
  });

  it('ranks globally across the selected params when asked', async () => {
    const optimizer = tf.train.adam(0.01);
    const { masks } = await trainPruned(classifierModel(), {
      schedule: constantSchedule(0.6),
      data: classificationBatches(2, 16),
      loss: 'categoricalCrossentropy',
      optimizer,
      scope: 'global',
    });
    optimizer.dispose();
    const total = INPUTS * HIDDEN + HIDDEN * CLASSES;
    const pruned = [...masks.values()].reduce((sum, mask) => sum + mask.filter((keep) => keep === 0).length, 0);
    expect(pruned).toBe(Math.round(0.6 * total));
  });

  it('fine-tunes with a constant schedule of 0: nothing newly pruned, a param stored sparse keeps its zeros', async () => {
    const base = classifierModel();
    const head = decodeToFloat32(base.params.get('head/kernel')!.value);
    const thinned = Float32Array.from(head.data, (value, index) => (index % 3 === 0 ? 0 : value));
    const model: Model = replaceParams(base, new Map([['head/kernel', sparseFromDense(hostTensor('float32', head.shape, thinned), { kind: 'bitmask' })]]));
    const optimizer = tf.train.adam(0.05);
    const { model: tuned, masks } = await trainPruned(model, {
      schedule: constantSchedule(0),
      data: classificationBatches(3, 16),
      loss: 'categoricalCrossentropy',
      optimizer,
      epochs: 3,
    });
    optimizer.dispose();
    const hidden = decodeToFloat32(tuned.params.get('hidden/kernel')!.value).data;
    expect(positiveZeros(hidden).size).toBe(0);
    expect(hidden).not.toEqual(decodeToFloat32(base.params.get('hidden/kernel')!.value).data);
    const tunedHead = decodeToFloat32(tuned.params.get('head/kernel')!.value).data;
    tunedHead.forEach((value, index) => {
      if (index % 3 === 0) expect(Object.is(value, 0)).toBe(true);
      else expect(value).not.toBe(0);
    });
    expect(masks.get('head/kernel')!.filter((keep) => keep === 0).length).toBe(Math.ceil(thinned.length / 3));
  });

  it('says which param training drove to NaN', async () => {
    const optimizer = tf.train.sgd(1e30);
    await expect(
      trainPruned(classifierModel(), {
        schedule: polynomialSchedule({ finalSparsity: 0.5, endStep: 8, frequency: 1 }),
        data: classificationBatches(4, 16),
        loss: 'meanSquaredError',
        optimizer,
        epochs: 2,
      }),
    ).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/training diverged: \w+\/kernel is NaN/) });
    optimizer.dispose();
  });

  it('stops when aborted, freeing what it made', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const optimizer = tf.train.sgd(0.1);
    await expect(
      trainPruned(classifierModel(), {
        schedule: constantSchedule(0.5),
        data: classificationBatches(4, 16),
        loss: 'categoricalCrossentropy',
        optimizer,
        epochs: 3,
        signal: controller.signal,
        onBatch: ({ step }) => {
          if (step === 2) controller.abort();
        },
      }),
    ).rejects.toThrow();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('trainPruned refuses', () => {
  it('a schedule or scope that is not one, before anything trains', async () => {
    const optimizer = tf.train.sgd(0.1);
    const base = { data: classificationBatches(1, 4), loss: 'categoricalCrossentropy', optimizer };
    await expect(trainPruned(classifierModel(), { ...base, schedule: { ...constantSchedule(0.5), finalSparsity: 2 } })).rejects.toMatchObject({ field: 'finalSparsity' });
    await expect(trainPruned(classifierModel(), { ...base, schedule: constantSchedule(0.5), scope: 'model' as never })).rejects.toMatchObject({ field: 'scope' });
    await expect(trainPruned(classifierModel(), { ...base, schedule: constantSchedule(0.5), batchSize: 0 })).rejects.toMatchObject({ field: 'batchSize' });
    optimizer.dispose();
  });
});

describe('stripPruning', () => {
  it('refuses a mask for a param the model lacks, or of the wrong length', () => {
    const model = classifierModel();
    expect(() => stripPruning(model, new Map([['nope', new Uint8Array(3)]]))).toThrow(expect.objectContaining({ field: 'masks["nope"]' }));
    expect(() => stripPruning(model, new Map([['head/kernel', new Uint8Array(3)]]))).toThrow(expect.objectContaining({ field: 'masks["head/kernel"]' }));
  });

  it('stores -0 under a mask as nothing, and an unmasked param as it was', () => {
    const model = modelWithHead(new Float32Array([-1, -2, 3, -4, 5, -6]));
    const mask = new Uint8Array([0, 0, 0, 0, 1, 1]);
    const stripped = stripPruning(model, new Map([['head/kernel', mask]]), { layout: 'bitmask' });
    const values = decodeToFloat32(stripped.params.get('head/kernel')!.value).data;
    expect(Array.from(values)).toEqual([0, 0, 0, 0, 5, -6]);
    expect([...values.slice(0, 4)].every((value) => Object.is(value, 0))).toBe(true);
    expect(stripped.params.get('hidden/kernel')!.value).toBe(model.params.get('hidden/kernel')!.value);
  });
});

function modelWithHead(values: Float32Array): Model {
  return modelFromTensors({ 'hidden/kernel': hostTensor('float32', [2, 2], new Float32Array([1, -1, 0, 2])), 'head/kernel': hostTensor('float32', [2, 3], values) });
}
