import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { castHandler, compress, countParams, createRecipeRegistry, estimate, isWhittleError, useBackend, type Model, type TrainingData } from '@whittle/core';
import { loadStock, mlpTeacher, paramCount } from '../students/students.test-support.ts';
import { distillHandlers } from './handlers.ts';

const INPUTS = 16;
const CLASSES = 4;

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
});

/** Seeded inputs labelled one-hot by the teacher's own answer, in batches of 32. */
async function teacherLabelled(teacher: Model, rows: number, seed: number): Promise<{ training: TrainingData; inputs: tf.Tensor2D; labels: Int32Array; dispose: () => void }> {
  const stock = await loadStock(teacher);
  const inputs = tf.randomUniform([rows, INPUTS], -1, 1, 'float32', seed) as tf.Tensor2D;
  const labels = tf.tidy(() => tf.argMax(stock.predict(inputs) as tf.Tensor, 1).dataSync() as Int32Array);
  stock.dispose();
  const batches: { inputs: tf.Tensor; targets: tf.Tensor }[] = [];
  for (let start = 0; start < rows; start += 32) {
    const size = Math.min(32, rows - start);
    batches.push({ inputs: tf.slice(inputs, start, size), targets: tf.oneHot(tf.tensor1d(labels.slice(start, start + size), 'int32'), CLASSES) });
  }
  const dispose = () => tf.dispose([inputs, ...batches.flatMap((batch) => [batch.inputs, batch.targets])]);
  return { training: { batches, loss: 'categoricalCrossentropy' }, inputs, labels, dispose };
}

async function accuracy(model: Model, inputs: tf.Tensor, labels: Int32Array): Promise<number> {
  const stock = await loadStock(model);
  const predicted = Array.from(tf.tidy(() => tf.argMax(stock.predict(inputs) as tf.Tensor, 1).dataSync()));
  stock.dispose();
  return predicted.reduce((hits: number, label, row) => hits + (label === labels[row] ? 1 : 0), 0) / labels.length;
}

describe('the distill recipe kind', () => {
  const registry = createRecipeRegistry([...distillHandlers, castHandler]);

  it('distills a narrower student, then casts it, in one compress; stock tfjs loads the result and it learned the teacher', async () => {
    const { model: teacher } = await mlpTeacher(INPUTS, [64, 32], CLASSES, 3);
    const { training, inputs, labels, dispose } = await teacherLabelled(teacher, 512, 5);
    const untrained = await compress(teacher, [{ kind: 'distill', student: { width: 0.25 }, epochs: 1, learningRate: 1e-9 }], { registry, resources: { training } });
    const result = await compress(teacher, [{ kind: 'distill', student: { width: 0.25 }, epochs: 15, batchSize: 32, learningRate: 0.01, seed: 1 }, { kind: 'cast', dtype: 'float16' }], {
      registry,
      resources: { training },
    });
    // Oracle: the hidden widths are a quarter (16 and 8), so params are counted by hand.
    const expected = INPUTS * 16 + 16 + 16 * 8 + 8 + 8 * CLASSES + CLASSES;
    expect(paramCount(result.model)).toBe(expected);
    expect(result.steps[0]).toMatchObject({ kind: 'distill', paramsBefore: countParams(teacher), paramsAfter: expected });
    // cast halves the kernels and keeps the biases (16 + 8 + 4 of them) as float32.
    const biases = 16 + 8 + CLASSES;
    expect(result.steps[1]!.bytesAfter).toBe((expected - biases) * 2 + biases * 4);
    expect(result.steps[0]!.notes.some((note) => note.includes(`student ${expected} params`))).toBe(true);
    const learned = await accuracy(result.model, inputs, labels);
    const before = await accuracy(untrained.model, inputs, labels);
    expect(learned).toBeGreaterThan(0.8);
    expect(learned).toBeGreaterThan(before + 0.1);
    dispose();
  }, 60_000);

  it('estimates the student it would build, without training it', async () => {
    const { model: teacher } = await mlpTeacher(INPUTS, [64, 32], CLASSES, 3);
    const size = estimate(teacher, { kind: 'distill', student: { width: 0.5 } }, { registry });
    const expected = INPUTS * 32 + 32 + 32 * 16 + 16 + 16 * CLASSES + CLASSES;
    expect(size).toStrictEqual({ params: expected, bytes: expected * 4 });
    const error = (() => {
      try {
        return estimate(teacher, { kind: 'distill', student: { rank: 4 } }, { registry });
      } catch (caught) {
        return caught;
      }
    })();
    expect((error as { field?: string }).field).toBe('student.rank');
  });

  it('names the training resource when it is missing or malformed, before training', async () => {
    const { model: teacher } = await mlpTeacher(INPUTS, [8], CLASSES, 3);
    const step = { kind: 'distill', student: { width: 0.5 } };
    const missing = await compress(teacher, [step], { registry }).catch((error: unknown) => error);
    expect(isWhittleError(missing, 'missing-resource'), String(missing)).toBe(true);
    expect((missing as { field?: string }).field).toBe('resources.training');
    const malformed = await compress(teacher, [step], { registry, resources: { training: { batches: 3, loss: 'x' } } }).catch((error: unknown) => error);
    expect(isWhittleError(malformed, 'invalid-argument'), String(malformed)).toBe(true);
    expect((malformed as { field?: string }).field).toMatch(/^resources\.training/);
    const unlabelled = await compress(teacher, [step], { registry, resources: { training: { batches: [{ inputs: tf.zeros([4, INPUTS]) }], loss: 'x' } } }).catch((error: unknown) => error);
    expect(isWhittleError(unlabelled, 'invalid-argument'), String(unlabelled)).toBe(true);
    expect((unlabelled as { field?: string }).field).toBe('resources.training.batches[0].targets');
    const wrongWidth = await compress(teacher, [step], {
      registry,
      resources: { training: { batches: [{ inputs: tf.zeros([4, INPUTS + 1]), targets: tf.zeros([4, CLASSES]) }], loss: 'x' } },
    }).catch((error: unknown) => error);
    expect(isWhittleError(wrongWidth), String(wrongWidth)).toBe(true);
    expect((wrongWidth as { step?: number }).step).toBe(1);
  });

  it('reads batches given by a function as a stream, one batch at a time', async () => {
    const { model: teacher } = await mlpTeacher(INPUTS, [8], CLASSES, 3);
    const { training, dispose } = await teacherLabelled(teacher, 96, 4);
    let reads = 0;
    const batches = training.batches as readonly { inputs: tf.Tensor; targets: tf.Tensor }[];
    const stream: TrainingData = {
      batches: function* () {
        reads++;
        yield* batches;
      },
      loss: training.loss,
    };
    const before = tf.memory().numTensors;
    const result = await compress(teacher, [{ kind: 'distill', student: { width: 0.5 }, epochs: 3 }], { registry, resources: { training: stream } });
    expect(reads).toBe(3);
    expect(paramCount(result.model)).toBe(INPUTS * 4 + 4 + 4 * CLASSES + CLASSES);
    expect(result.steps[0]!.notes.join(' ')).toContain('after epoch 3');
    expect(tf.memory().numTensors).toBe(before);
    dispose();
  });

  it('leaves no tensors behind', async () => {
    const { model: teacher } = await mlpTeacher(INPUTS, [8], CLASSES, 3);
    const { training, dispose } = await teacherLabelled(teacher, 64, 2);
    const step = { kind: 'distill', student: { width: 0.5 }, epochs: 2 };
    await compress(teacher, [step], { registry, resources: { training } });
    const before = tf.memory().numTensors;
    await compress(teacher, [step], { registry, resources: { training } });
    expect(tf.memory().numTensors).toBe(before);
    dispose();
  });
});
