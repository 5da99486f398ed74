/**
 * An LSTM sequence classifier and its GRU student (`gruForLstm`): one student architecture
 * trained twice from the same initialisation, seed and epochs, on the hard labels alone and
 * distilled from the teacher, on the seeded temporal-order task.
 */
import * as tf from '@tensorflow/tfjs-core';
import { countParams, hostTensor, type Model } from '@whittle/core';
import type { Batch } from '@whittle/core/runner';
import { interleavedForwardSeconds, trainClassifier } from '../classifier-runs.ts';
import { TEMPORAL_ORDER_CLASSES, type TemporalOrderSequences } from './lstm-gru-task.ts';

/** Sizes and settings of {@link runLstmGru}. */
export interface LstmGruOptions {
  /** Units of the teacher's LSTM and of the student's GRU. */
  readonly units: number;
  readonly teacherEpochs: number;
  /** Epochs of each student (hard-label and distilled alike). */
  readonly studentEpochs: number;
  readonly batchSize: number;
  /** Adam's learning rate, teacher and students. */
  readonly learningRate: number;
  /** T of Hinton's loss. */
  readonly temperature: number;
  /** α of Hinton's loss: the weight of the hard labels. */
  readonly alpha: number;
  /** Sequences per timed forward pass. */
  readonly latencyRows: number;
  /** Untimed and timed interleaved rounds of the latency measurement. */
  readonly warmup: number;
  readonly runs: number;
  readonly seed: number;
  readonly progress?: (message: string) => void;
}

/** One model of the experiment, measured. */
export interface LstmGruRow {
  readonly model: 'lstm teacher' | 'gru hard-label student' | 'gru distilled student';
  readonly params: number;
  /** Multiply-adds of one sequence's forward pass (`modelCost`). */
  readonly multiplyAdds: number;
  /** Top-1 accuracy in percent on the test sequences. */
  readonly accuracy: number;
  /** Median milliseconds of one forward pass of `latencyRows` sequences, teacher and student interleaved. */
  readonly latencyMilliseconds: number;
  readonly trainSeconds: number;
}

/**
 * Trains an LSTM(`units`) → Dense teacher on `train` with Adam and softmax cross-entropy, builds
 * its `gruForLstm` student, trains that student with `distill` under the same optimizer, seed,
 * shuffling and epochs twice (Hinton's loss at α = 1, hard labels alone; and at the given T and
 * α), and measures all three on `test` on the current backend; the two students share one
 * latency, as they share one architecture.
 *
 * @example
 * ```ts
 * const train = temporalOrderSequences({ count: 2000, minLength: 20, maxLength: 30, tokens: 8, seed: 1 });
 * const test = temporalOrderSequences({ count: 1000, minLength: 20, maxLength: 30, tokens: 8, seed: 2 });
 * const rows = await runLstmGru(train, test, { units: 32, teacherEpochs: 20, studentEpochs: 20, batchSize: 64, learningRate: 1e-2, temperature: 2, alpha: 0.5, latencyRows: 64, warmup: 3, runs: 15, seed: 1 });
 * ```
 */
export async function runLstmGru(train: TemporalOrderSequences, test: TemporalOrderSequences, options: LstmGruOptions): Promise<LstmGruRow[]> {
  const { distill, gruForLstm, hintonLoss, modelCost } = await import('@whittle/distill');
  const progress = options.progress ?? (() => {});
  progress(`lstm teacher, ${options.units} units: ${options.teacherEpochs} epoch(s)`);
  let started = performance.now();
  const teacher = await trainTeacher(train, options);
  const teacherSeconds = (performance.now() - started) / 1000;
  const initial = gruForLstm(teacher, { seed: options.seed + 100 });
  const students: { model: LstmGruRow['model']; student: Model; trainSeconds: number }[] = [];
  const xs = tf.tensor3d(train.inputs, [train.count, train.steps, train.tokens]);
  const ys = tf.tensor1d(train.labels, 'int32');
  try {
    for (const [model, alpha] of [['gru hard-label student', 1], ['gru distilled student', options.alpha]] as const) {
      progress(`${model}: ${options.studentEpochs} epoch(s)`);
      started = performance.now();
      const { student } = await distill({
        teacher,
        student: initial,
        data: { xs, ys },
        loss: hintonLoss({ temperature: options.temperature, alpha }),
        optimizer: 'adam',
        learningRate: options.learningRate,
        epochs: options.studentEpochs,
        batchSize: options.batchSize,
        seed: options.seed,
        // The hard-label student never needs the teacher's outputs but runs the same loop; the
        // cache keeps the teacher's cost to one pass, so train seconds compare the students fairly.
        cacheTeacher: true,
      });
      students.push({ model, student, trainSeconds: (performance.now() - started) / 1000 });
    }
  } finally {
    tf.dispose([xs, ys]);
  }
  const count = Math.min(options.latencyRows, test.count);
  const inputs = tf.tensor3d(test.inputs.subarray(0, count * test.steps * test.tokens), [count, test.steps, test.tokens]);
  let latency: { teacher: number; student: number };
  try {
    const seconds = await interleavedForwardSeconds({ teacher, student: students[0]!.student }, inputs, options);
    latency = { teacher: seconds.teacher * 1000, student: seconds.student * 1000 };
  } finally {
    inputs.dispose();
  }
  const measured = async (model: LstmGruRow['model'], weights: Model, latencyMilliseconds: number, trainSeconds: number): Promise<LstmGruRow> => ({
    model,
    params: countParams(weights),
    multiplyAdds: modelCost(weights, { inputShape: [test.steps, test.tokens] }).multiplyAdds,
    accuracy: await sequenceAccuracy(weights, test),
    latencyMilliseconds,
    trainSeconds,
  });
  const rows = [await measured('lstm teacher', teacher, latency.teacher, teacherSeconds)];
  for (const { model, student, trainSeconds } of students) rows.push(await measured(model, student, latency.student, trainSeconds));
  return rows;
}

/** The teacher: a seeded Glorot LSTM and linear logits, trained on hard labels through core's runner. */
async function trainTeacher(train: TemporalOrderSequences, options: LstmGruOptions): Promise<Model> {
  const tfl = await import('@tensorflow/tfjs-layers');
  const { fromLayersModel } = await import('@whittle/core/runner');
  const layers = tfl.sequential({
    name: 'temporal_order_teacher',
    layers: [
      tfl.layers.lstm({
        name: 'lstm',
        units: options.units,
        inputShape: [train.steps, train.tokens],
        kernelInitializer: tfl.initializers.glorotUniform({ seed: options.seed }),
        recurrentInitializer: tfl.initializers.glorotUniform({ seed: options.seed + 1 }),
      }),
      tfl.layers.dense({ name: 'logits', units: TEMPORAL_ORDER_CLASSES.length, kernelInitializer: tfl.initializers.glorotUniform({ seed: options.seed + 2 }) }),
    ],
  });
  let untrained: Model;
  try {
    untrained = await fromLayersModel(layers);
  } finally {
    layers.dispose();
  }
  return trainClassifier(untrained, oneHotBatches(train, options.batchSize), { learningRate: options.learningRate, epochs: options.teacherEpochs });
}

/** The sequences as runner batches of `batchSize`, targets one-hot over the classes (views, no copy of the inputs). */
function oneHotBatches(sequences: TemporalOrderSequences, batchSize: number): Batch[] {
  const classes = TEMPORAL_ORDER_CLASSES.length;
  const rowElements = sequences.steps * sequences.tokens;
  const batches: Batch[] = [];
  for (let start = 0; start < sequences.count; start += batchSize) {
    const rows = Math.min(batchSize, sequences.count - start);
    const targets = new Float32Array(rows * classes);
    for (let row = 0; row < rows; row++) targets[row * classes + sequences.labels[start + row]!] = 1;
    batches.push({
      inputs: hostTensor('float32', [rows, sequences.steps, sequences.tokens], sequences.inputs.subarray(start * rowElements, (start + rows) * rowElements)),
      targets: hostTensor('float32', [rows, classes], targets),
    });
  }
  return batches;
}

/** Sequences per evaluation batch: bounds the activations held at once. */
const EVALUATION_BATCH = 500;

/**
 * Top-1 accuracy in percent of `model` on `sequences` through core's runner (its `accuracy`
 * metric compares the arg-max of the logits with the class indices).
 */
async function sequenceAccuracy(model: Model, sequences: TemporalOrderSequences): Promise<number> {
  const { loadRunnable } = await import('@whittle/core/runner');
  const rowElements = sequences.steps * sequences.tokens;
  const batches: Batch[] = [];
  for (let start = 0; start < sequences.count; start += EVALUATION_BATCH) {
    const rows = Math.min(EVALUATION_BATCH, sequences.count - start);
    batches.push({
      inputs: hostTensor('float32', [rows, sequences.steps, sequences.tokens], sequences.inputs.subarray(start * rowElements, (start + rows) * rowElements)),
      targets: hostTensor('uint8', [rows], sequences.labels.subarray(start, start + rows)),
    });
  }
  const runnable = await loadRunnable(model);
  try {
    return 100 * (await runnable.evaluate(batches, 'accuracy'));
  } finally {
    runnable.dispose();
  }
}
