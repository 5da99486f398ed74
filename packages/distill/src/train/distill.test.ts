import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getParam, decodeToFloat32, isWhittleError, useBackend, type Model } from '@whittle/core';
import { fromLayersModel, loadRunnable } from '@whittle/core/runner';
import { hintLoss, hintonLoss, logitMse } from '../losses/index.ts';
import { distill } from './distill.ts';
import type { DistillProgress } from './distill-options.ts';
import { CLASSES, FEATURES, layersMlp, linearData, linearStudent, linearTeacher, rejection } from './distill.test-support.ts';

let data: { xs: tf.Tensor2D; ys: tf.Tensor1D };

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
  data = linearData(64);
}, 120_000);

afterAll(() => tf.dispose([data.xs, data.ys]));

describe('distill', () => {
  it('teaches a linear student the teacher’s weights by logit matching, leaving the teacher as it was', async () => {
    const teacher = linearTeacher();
    const student = linearStudent();
    const teacherBefore = [...teacher.weights.dataSync()];
    const { student: trained, history } = await distill({ teacher, student, data: { xs: data.xs }, loss: logitMse(), optimizer: 'adam', learningRate: 0.05, epochs: 60, batchSize: 16, seed: 3 });
    expect(trained).toBe(student);
    // Inputs span the feature space, so matching logits means matching weights.
    const learned = student.weights.dataSync();
    for (const [index, value] of teacherBefore.entries()) expect(learned[index]).toBeCloseTo(value, 1);
    expect([...teacher.weights.dataSync()]).toEqual(teacherBefore);
    expect(teacher.calls.every((call) => call.training === false)).toBe(true);
    expect(history.loss).toHaveLength(60);
    expect(history.loss[59]!).toBeLessThan(history.loss[0]! / 100);
    tf.dispose([teacher.weights, student.weights]);
  });

  it('trains every optimizer by name, and SGD and RMSprop with momentum', async () => {
    for (const [optimizer, learningRate, momentum] of [['adam', 0.05, 0], ['sgd', 0.1, 0], ['sgd', 0.05, 0.9], ['rmsprop', 0.05, 0], ['rmsprop', 0.03, 0.5], ['adagrad', 0.3, 0]] as const) {
      const teacher = linearTeacher();
      const student = linearStudent();
      const { history } = await distill({ teacher, student, data: { xs: data.xs }, loss: logitMse(), optimizer, learningRate, momentum, epochs: 10, batchSize: 16 });
      expect(history.loss[9]!, `${optimizer} ${momentum}`).toBeLessThan(history.loss[0]! * 0.5);
      tf.dispose([teacher.weights, student.weights]);
    }
  });

  it('distills a LayersModel into a new LayersModel and a whittle Model into a whittle Model, raising accuracy against the labels', async () => {
    const teacherLayers = layersMlp(32, 1, 'teacher');
    // The teacher learns the labels first with stock tfjs-layers.
    teacherLayers.compile({ optimizer: tf.train.adam(0.02), loss: (labels: tf.Tensor, logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, logits) });
    const oneHot = tf.oneHot(data.ys, CLASSES);
    await teacherLayers.fit(data.xs, oneHot, { epochs: 60, batchSize: 16, verbose: 0 });
    const accuracyOf = (logits: tf.Tensor): number => tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), data.ys), 'float32')).dataSync()[0]!);
    const teacherAccuracy = accuracyOf(teacherLayers.predict(data.xs) as tf.Tensor);
    expect(teacherAccuracy).toBeGreaterThan(0.9);

    const studentLayers = layersMlp(8, 7, 'student');
    const before = studentLayers.getWeights().map((weight) => [...weight.dataSync()]);
    const startAccuracy = accuracyOf(studentLayers.predict(data.xs) as tf.Tensor);
    const fromLayers = await distill({ teacher: teacherLayers, student: studentLayers, data, loss: hintonLoss({ temperature: 2, alpha: 0.5 }), learningRate: 0.02, epochs: 40, batchSize: 16 });
    expect(fromLayers.student).not.toBe(studentLayers);
    expect(typeof fromLayers.student.predict).toBe('function');
    expect(studentLayers.getWeights().map((weight) => [...weight.dataSync()])).toEqual(before);
    const layersAccuracy = accuracyOf(fromLayers.student.predict(data.xs) as tf.Tensor);
    expect(layersAccuracy).toBeGreaterThan(Math.max(0.85, startAccuracy));

    const studentModel: Model = await fromLayersModel(studentLayers);
    const teacherModel: Model = await fromLayersModel(teacherLayers);
    const fromModel = await distill({ teacher: teacherModel, student: studentModel, data, loss: hintonLoss({ temperature: 2, alpha: 0.5 }), learningRate: 0.02, epochs: 40, batchSize: 16 });
    expect(fromModel.student.params.size).toBe(studentModel.params.size);
    const kernel = decodeToFloat32(getParam(fromModel.student, [...studentModel.params.keys()][0]!).value);
    expect([...kernel.data]).not.toEqual([...decodeToFloat32(getParam(studentModel, [...studentModel.params.keys()][0]!).value).data]);
    // Core's runner, not the training code, runs the result.
    const runnable = await loadRunnable(fromModel.student);
    const modelAccuracy = await runnable.evaluate([{ inputs: data.xs, targets: data.ys }], 'accuracy');
    runnable.dispose();
    expect(modelAccuracy).toBeGreaterThan(Math.max(0.85, startAccuracy));
    tf.dispose(oneHot);
    teacherLayers.dispose();
    studentLayers.dispose();
    (fromLayers.student as tfl.LayersModel).dispose();
  }, 120_000);

  it('holds the tensor count steady from epoch 2 on, and frees everything it made when done', async () => {
    const teacher = linearTeacher();
    const student = linearStudent();
    const hint = hintLoss({ studentChannels: CLASSES, teacherChannels: CLASSES, seed: 2 });
    for (const cacheTeacher of [false, true]) {
      for (const options of [{ validation: { data, metric: 'accuracy' as const }, earlyStopping: { patience: 100 } }, {}]) {
        const before = tf.memory().numTensors;
        const counts: number[] = [];
        await distill({
          teacher,
          student,
          data,
          loss: (teacherOutputs, studentOutputs, labels) => tf.add(hintonLoss({ temperature: 3, alpha: 0.3 })(teacherOutputs, studentOutputs, labels), hint(teacherOutputs, studentOutputs)) as tf.Scalar,
          cacheTeacher,
          epochs: 5,
          batchSize: 10,
          ...options,
          onProgress: (progress) => {
            if (progress.kind === 'epoch') counts.push(tf.memory().numTensors);
          },
        });
        expect(new Set(counts.slice(1)).size, `counts ${counts.join(', ')}`).toBe(1);
        expect(tf.memory().numTensors).toBe(before);
      }
    }
    hint.dispose!();
    tf.dispose([teacher.weights, student.weights]);
  });

  it('trains the variables a loss owns with the student', async () => {
    const teacher = linearTeacher();
    const student = linearStudent();
    const hint = hintLoss({ studentChannels: CLASSES, teacherChannels: CLASSES, seed: 2 });
    const projectionBefore = [...hint.trainableVariables![0]!.dataSync()];
    await distill({ teacher, student, data: { xs: data.xs }, loss: hint, epochs: 3, learningRate: 0.01 });
    expect([...hint.trainableVariables![0]!.dataSync()]).not.toEqual(projectionBefore);
    hint.dispose!();
    tf.dispose([teacher.weights, student.weights]);
  });

  it('shuffles with its seed: the same seed repeats exactly, another gives another order, every sample once per epoch', async () => {
    const seen = async (seed: number, shuffle = true): Promise<number[][]> => {
      const order: number[][] = [];
      const teacher = linearTeacher();
      const student = linearStudent();
      // Each sample's first feature identifies it.
      const firstFeature = tf.tidy(() => tf.squeeze(tf.slice(data.xs, [0, 0], [-1, 1])).arraySync() as number[]);
      await distill({
        teacher,
        student: { trainableVariables: student.trainableVariables, apply: (inputs, options) => {
          if (options?.training === true) order.push((tf.tidy(() => tf.squeeze(tf.slice(inputs, [0, 0], [-1, 1]), [1]).arraySync()) as number[]).map((value) => firstFeature.findIndex((candidate) => Math.abs(candidate - value) < 1e-6)));
          return student.apply(inputs, options);
        } },
        data: { xs: data.xs },
        loss: logitMse(),
        epochs: 2,
        batchSize: 16,
        seed,
        shuffle,
      });
      tf.dispose([teacher.weights, student.weights]);
      return order;
    };
    const first = await seen(5);
    expect(first).toEqual(await seen(5));
    expect(first).not.toEqual(await seen(6));
    const epochOne = first.slice(0, 4).flat();
    const epochTwo = first.slice(4).flat();
    expect([...epochOne].sort((a, b) => a - b)).toEqual(Array.from({ length: 64 }, (_, index) => index));
    expect([...epochTwo].sort((a, b) => a - b)).toEqual(Array.from({ length: 64 }, (_, index) => index));
    expect(epochOne).not.toEqual(epochTwo);
    expect((await seen(5, false)).flat().slice(0, 64)).toEqual(Array.from({ length: 64 }, (_, index) => index));
  });

  it('streams batches from an async generator function, each epoch afresh, and from an array', async () => {
    const teacher = linearTeacher();
    const student = linearStudent();
    let reads = 0;
    async function* stream(): AsyncGenerator<{ xs: tf.Tensor }> {
      reads++;
      for (let start = 0; start < 64; start += 16) {
        const xs = tf.slice(data.xs, start, 16);
        yield { xs };
        xs.dispose();
      }
    }
    const before = tf.memory().numTensors;
    const { history } = await distill({ teacher, student, data: stream, loss: logitMse(), epochs: 30, learningRate: 0.05 });
    expect(reads).toBe(30);
    expect(history.loss[29]!).toBeLessThan(history.loss[0]! / 10);
    expect(tf.memory().numTensors).toBe(before);
    const batches = [0, 32].map((start) => ({ xs: tf.slice(data.xs, start, 32), ys: tf.slice(data.ys, start, 32) }));
    const fromArray = await distill({ teacher, student, data: batches, epochs: 2 });
    expect(fromArray.history.loss).toHaveLength(2);
    tf.dispose(batches.flatMap(({ xs, ys }) => [xs, ys]));
    tf.dispose([teacher.weights, student.weights]);
  });

  it('runs the teacher once per sample when it caches, and trains the same as without', async () => {
    const results: number[][] = [];
    for (const cacheTeacher of [false, true]) {
      const teacher = linearTeacher();
      const student = linearStudent();
      await distill({ teacher, student, data, cacheTeacher, epochs: 4, batchSize: 16, seed: 2, learningRate: 0.05 });
      const rows = teacher.calls.reduce((total, call) => total + call.rows, 0);
      expect(rows).toBe(cacheTeacher ? 64 : 4 * 64);
      results.push([...student.weights.dataSync()]);
      tf.dispose([teacher.weights, student.weights]);
    }
    for (const [index, value] of results[0]!.entries()) expect(results[1]![index]).toBeCloseTo(value, 4);

    const teacher = linearTeacher();
    const student = linearStudent();
    const batches = [0, 32].map((start) => ({ xs: tf.slice(data.xs, start, 32) }));
    await distill({ teacher, student, data: batches, cacheTeacher: true, epochs: 3, loss: logitMse() });
    expect(teacher.calls.reduce((total, call) => total + call.rows, 0)).toBe(64);
    tf.dispose(batches.map(({ xs }) => xs));
    tf.dispose([teacher.weights, student.weights]);
  });

  it('follows step, cosine and function schedules', async () => {
    const rates = async (schedule: Parameters<typeof distill>[0]['schedule']): Promise<readonly number[]> => {
      const teacher = linearTeacher();
      const student = linearStudent();
      const { history } = await distill({ teacher, student, data: { xs: data.xs }, loss: logitMse(), optimizer: 'sgd', learningRate: 0.1, epochs: 5, batchSize: 32, schedule });
      tf.dispose([teacher.weights, student.weights]);
      return history.learningRate;
    };
    const expectClose = (actual: readonly number[], expected: readonly number[]): void => {
      expect(actual).toHaveLength(expected.length);
      for (const [index, value] of expected.entries()) expect(actual[index]).toBeCloseTo(value, 10);
    };
    expectClose(await rates(undefined), [0.1, 0.1, 0.1, 0.1, 0.1]);
    expectClose(await rates({ kind: 'step', every: 2, factor: 0.5 }), [0.1, 0.1, 0.05, 0.05, 0.025]);
    expectClose(await rates({ kind: 'cosine', minimum: 0.01 }), [0, 1, 2, 3, 4].map((index) => 0.01 + 0.045 * (1 + Math.cos((Math.PI * index) / 4))));
    const positions: { epoch: number; step: number }[] = [];
    expectClose(await rates(({ epoch, step }) => (positions.push({ epoch, step }), 0.1 / epoch)), [0.1, 0.05, 0.1 / 3, 0.025, 0.02]);
    expect(positions.slice(0, 3)).toEqual([{ epoch: 1, step: 1 }, { epoch: 1, step: 2 }, { epoch: 2, step: 3 }]);
    // A rate of 0 leaves the student where it started: the schedule reaches the optimizer.
    const teacher = linearTeacher();
    const student = linearStudent();
    await distill({ teacher, student, data: { xs: data.xs }, loss: logitMse(), optimizer: 'sgd', epochs: 2, schedule: () => 0 });
    expect([...student.weights.dataSync()].every((value) => value === 0)).toBe(true);
    tf.dispose([teacher.weights, student.weights]);
  });

  it('validates each epoch, stops early after `patience` epochs without improvement and hands back the best epoch’s student', async () => {
    const teacher = linearTeacher();
    const student = linearStudent();
    const scripted = [0.5, 0.7, 0.6, 0.65, 0.6, 0.9];
    let calls = 0;
    const snapshots: number[][] = [];
    const events: DistillProgress[] = [];
    const { history } = await distill({
      teacher,
      student,
      data: { xs: data.xs },
      loss: logitMse(),
      learningRate: 0.05,
      epochs: 6,
      validation: { data: { xs: data.xs, ys: data.ys }, metric: () => tf.scalar(scripted[calls++]!), goal: 'maximize' },
      earlyStopping: { patience: 2, minDelta: 0.01 },
      onProgress: (progress) => {
        events.push(progress);
        if (progress.kind === 'epoch') snapshots.push([...student.weights.dataSync()]);
      },
    });
    expect(history.validation).toHaveLength(4);
    for (const [index, value] of [0.5, 0.7, 0.6, 0.65].entries()) expect(history.validation[index]).toBeCloseTo(value, 6);
    expect(history.bestEpoch).toBe(2);
    expect(history.stoppedEarly).toBe(true);
    expect([...student.weights.dataSync()]).toEqual(snapshots[1]);
    expect(events.filter((event) => event.kind === 'batch')).toHaveLength(4 * 2);
    expect(events.filter((event) => event.kind === 'epoch').map((event) => event.epoch)).toEqual([1, 2, 3, 4]);

    const accuracy = await distill({ teacher, student: linearStudent(), data, epochs: 3, learningRate: 0.05, validation: { data, metric: 'accuracy' } });
    expect(accuracy.history.validation).toHaveLength(3);
    expect(accuracy.history.validation[2]!).toBeGreaterThan(0.6);
    tf.dispose([teacher.weights, student.weights, ...accuracy.student.trainableVariables]);
  });

  it('refuses every bad option with a one-line invalid-argument WhittleError naming it, before training', async () => {
    const teacher = linearTeacher();
    const student = linearStudent();
    const base = { teacher, student, data };
    async function* once(): AsyncGenerator<{ xs: tf.Tensor }> {
      yield { xs: data.xs };
    }
    const cases: [Record<string, unknown>, string][] = [
      [{ teacher: { apply: 1 } }, 'teacher'],
      [{ student: 'model' }, 'student'],
      [{ student: { apply: () => data.xs, trainableVariables: [data.xs] } }, 'student.trainableVariables'],
      [{ student: { apply: () => data.xs, trainableVariables: [] } }, 'student'],
      [{ data: 5 }, 'data'],
      [{ data: { xs: tf.scalar(1) } }, 'data.xs'],
      [{ data: { xs: data.xs, ys: tf.zeros([3]) } }, 'data.ys'],
      [{ data: once() }, 'data'],
      [{ data: () => 5 }, 'data'],
      [{ data: [] }, 'data'],
      [{ data: [{ ys: data.ys }] }, 'data[0]'],
      [{ loss: 'kl' }, 'loss'],
      [{ loss: () => tf.ones([2]) }, 'loss'],
      [{ optimizer: 'lion' }, 'optimizer'],
      [{ learningRate: 0 }, 'learningRate'],
      [{ learningRate: Number.POSITIVE_INFINITY }, 'learningRate'],
      [{ momentum: 0.9 }, 'momentum'],
      [{ optimizer: 'sgd', momentum: 1 }, 'momentum'],
      [{ schedule: { kind: 'linear' } }, 'schedule'],
      [{ schedule: { kind: 'step', every: 0 } }, 'schedule.every'],
      [{ schedule: { kind: 'step', every: 1, factor: -1 } }, 'schedule.factor'],
      [{ schedule: { kind: 'cosine', minimum: Number.NaN } }, 'schedule.minimum'],
      [{ schedule: () => Number.NaN }, 'schedule'],
      [{ epochs: 0 }, 'epochs'],
      [{ epochs: 1.5 }, 'epochs'],
      [{ epochs: 1e12 }, 'epochs'],
      [{ batchSize: -1 }, 'batchSize'],
      [{ seed: 'a' }, 'seed'],
      [{ shuffle: 'yes' }, 'shuffle'],
      [{ cacheTeacher: 1 }, 'cacheTeacher'],
      [{ onProgress: 'log' }, 'onProgress'],
      [{ validation: 5 }, 'validation'],
      [{ validation: { data, metric: 'f1' } }, 'validation.metric'],
      [{ validation: { data, metric: () => tf.scalar(1) } }, 'validation.goal'],
      [{ validation: { data, metric: 'accuracy', goal: 'up' } }, 'validation.goal'],
      [{ validation: { data: { xs: data.xs }, metric: 'accuracy' } }, 'validation.data.ys'],
      [{ validation: { data: 'test', metric: 'accuracy' } }, 'validation.data'],
      [{ earlyStopping: { patience: 0 } }, 'earlyStopping.patience'],
      [{ earlyStopping: { patience: 2, minDelta: -1 } }, 'earlyStopping.minDelta'],
      [{ earlyStopping: { patience: 2, restoreBest: 'no' } }, 'earlyStopping.restoreBest'],
      [{ data: { xs: tf.zeros([4, FEATURES + 1]) } }, 'data[0]'],
      [{ learningRate: 1e30, optimizer: 'sgd', loss: logitMse(), epochs: 3 }, 'learningRate'],
      [{ data: { xs: tf.fill([4, FEATURES], Number.NaN) }, loss: logitMse() }, 'data[0].xs'],
      [{ data: { xs: data.xs, ys: tf.fill([64, CLASSES], Number.POSITIVE_INFINITY) }, loss: hintonLoss({ alpha: 1 }) }, 'data[0].ys'],
    ];
    const before = tf.memory().numTensors;
    for (const [override, field] of cases) {
      const error = await rejection(() => distill({ ...base, ...override } as never));
      expect(isWhittleError(error, 'invalid-argument'), `${field}: ${String(error)}`).toBe(true);
      expect((error as { field: string }).field, String(error)).toBe(field);
      expect(String(error)).not.toContain('\n');
    }
    // A failure part-way leaves an apply model's variables as they were.
    const weights = [...student.weights.dataSync()];
    await rejection(() => distill({ ...base, data: [{ xs: data.xs }, { xs: tf.zeros([2, FEATURES + 1]) }], loss: logitMse(), learningRate: 0.1 }));
    expect([...student.weights.dataSync()]).toEqual(weights);
    // Only the tensors the cases themselves made remain.
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(8);
    expect(isWhittleError(await rejection(() => distill(null as never)), 'invalid-argument')).toBe(true);
    tf.dispose([teacher.weights, student.weights]);
  });
});
