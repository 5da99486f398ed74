import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type Model, type TrainingData } from '@whittle/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStock, mlpTeacher, paramCount } from '../students/students.test-support.ts';
import { searchStudents } from './student-search.ts';

const INPUTS = 12;
const CLASSES = 3;

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
});

/** Seeded inputs labelled by the teacher's own answer: training batches (one-hot) and held-out ones (indices). */
async function labelled(teacher: Model, rows: number, seed: number) {
  const stock = await loadStock(teacher);
  const inputs = tf.randomUniform([rows, INPUTS], -1, 1, 'float32', seed) as tf.Tensor2D;
  const labels = tf.tidy(() => tf.argMax(stock.predict(inputs) as tf.Tensor, 1).dataSync() as Int32Array);
  stock.dispose();
  const half = rows / 2;
  const training: TrainingData = {
    batches: [0, 32, 64, 96].filter((start) => start < half).map((start) => ({
      inputs: tf.slice(inputs, start, Math.min(32, half - start)),
      targets: tf.oneHot(tf.tensor1d(labels.slice(start, Math.min(start + 32, half)), 'int32'), CLASSES),
    })),
    loss: 'categoricalCrossentropy',
  };
  const heldOut = [{ inputs: tf.slice(inputs, half, half), targets: tf.tensor1d(labels.slice(half), 'int32') }];
  return { training, heldOut, labels: labels.slice(half) };
}

describe('searchStudents', () => {
  it('distills and scores each student, marks the Pareto front, skips what does not apply, and repeats itself for a seed', async () => {
    const { model: teacher } = await mlpTeacher(INPUTS, [32], CLASSES, 2);
    const { training, heldOut, labels } = await labelled(teacher, 256, 4);
    const specs = [{ width: 0.5 }, { width: 0.25 }, { separable: true }];
    const options = { training, evaluation: { batches: heldOut }, specs, seed: 3, distill: { epochs: 3, learningRate: 0.01 } };
    const first = await searchStudents(teacher, options);
    // An MLP has no Conv2D: the separable student does not apply to it.
    const scored = first.candidates.map(({ spec }) => JSON.stringify(spec)).sort();
    expect(scored).toEqual([JSON.stringify({ width: 0.25 }), JSON.stringify({ width: 0.5 })]);
    expect(first.skipped.map(({ spec }) => spec)).toEqual([{ separable: true }]);
    for (const candidate of first.candidates) {
      // Oracle: params by hand from the hidden width, and accuracy by stock tfjs on the held-out rows.
      const hidden = Math.round(32 * candidate.spec.width!);
      expect(candidate.params).toBe(INPUTS * hidden + hidden + hidden * CLASSES + CLASSES);
      expect(paramCount(await buildFrom(candidate.recipe, teacher, training))).toBe(candidate.params);
      expect(candidate.metric).toBeGreaterThanOrEqual(0);
      expect(candidate.metric).toBeLessThanOrEqual(1);
    }
    const smallest = first.candidates.reduce((left, right) => (right.bytes < left.bytes ? right : left));
    expect(smallest.pareto).toBe(true);
    expect(first.teacher.metric).toBe(1);
    expect(labels.length).toBe(128);

    const second = await searchStudents(teacher, options);
    expect(second.candidates.map(({ spec, bytes, metric }) => ({ spec, bytes, metric }))).toEqual(first.candidates.map(({ spec, bytes, metric }) => ({ spec, bytes, metric })));
  }, 120_000);

  it('stops starting students after the time limit, having trained at least one', async () => {
    const { model: teacher } = await mlpTeacher(INPUTS, [16], CLASSES, 5);
    const { training, heldOut } = await labelled(teacher, 128, 6);
    const result = await searchStudents(teacher, { training, evaluation: { batches: heldOut }, specs: [{ width: 0.5 }, { width: 0.25 }, { width: 0.75 }], timeLimitMs: 0 });
    expect(result.candidates).toHaveLength(1);
    expect(result.skipped.every(({ reason }) => reason.includes('time limit'))).toBe(true);
    await expect(searchStudents(teacher, { training, evaluation: { batches: [{ inputs: heldOut[0]!.inputs }] } })).rejects.toThrow(/labelled data/);
  }, 60_000);
});

async function buildFrom(recipe: readonly unknown[], teacher: Model, training: TrainingData): Promise<Model> {
  const { compress, createRecipeRegistry } = await import('@whittle/core');
  const { distillHandlers } = await import('../recipes/handlers.ts');
  return (await compress(teacher, recipe as never, { registry: createRecipeRegistry(distillHandlers), resources: { training } })).model;
}
