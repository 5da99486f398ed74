/**
 * The `distillation` suite's separable-student part: a small CNN trained on real MNIST digits,
 * and its depthwise-separable student (`separable`), compared on params, multiply-adds, wasm
 * latency and accuracy, the student trained on hard labels from a random start and from the
 * teacher's factored kernels, and distilled from the teacher. All train on the suite's backend
 * (on wasm, core supplies the depthwise gradients tfjs's wasm backend lacks).
 */
import * as tf from '@tensorflow/tfjs-core';
import { WEIGHT_ROLES, countParams, denseEncoding, replaceParams, type BackendName, type Encoding, type Model } from '@whittle/core';
import type { ResultRow } from '../../result-row.ts';
import { seededRandom } from '../../seeded-random.ts';
import { MNIST_IMAGE_SIZE, loadMnistDigits, splitDigits, type Digits } from '../quantization/mnist-digits.ts';
import { mnistAccuracy } from '../quantization/mnist-mlp.ts';
import { oneHotBatches, trainMnistCnn } from '../pruning/structured-models.ts';
import { QUICK_STRUCTURED_PLAN } from '../pruning/structured-plan.ts';
import { digitForwardSeconds, trainClassifier } from '../classifier-runs.ts';

/** Sizes of {@link runStudentsSeparable}. */
export interface StudentsSeparableOptions {
  /** The teacher CNN's 3 × 3 conv filters (each followed by 2 × 2 max pooling) and its dense width. */
  readonly filters: readonly number[];
  readonly dense: number;
  /** Epochs of the teacher and of each student: the same for all. */
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Rows per timed forward pass. */
  readonly latencyRows: number;
  /** Untimed and timed interleaved rounds of the latency measurement. */
  readonly warmup: number;
  readonly runs: number;
  readonly seed: number;
}

/** One model of the part, measured. */
export interface SeparableRow {
  readonly model: 'teacher' | 'separable (random init)' | 'separable (distilled)' | 'separable (from teacher)';
  readonly params: number;
  /** Multiply-adds of one image's forward pass (`modelCost`). */
  readonly multiplyAdds: number;
  /** Top-1 accuracy in percent on the test digits. */
  readonly accuracy: number;
  /** Median milliseconds of one forward pass of `latencyRows` images, interleaved with the teacher's. */
  readonly latencyMilliseconds: number;
  readonly trainSeconds: number;
  /** The backend it trained on. */
  readonly trainBackend: BackendName;
}

/** Hinton's loss for the distilled student: the T and α the MLP part was tuned to. */
const DISTILLATION_LOSS = { temperature: 2, alpha: 0.5 } as const;

/**
 * Trains the teacher CNN on `train`, builds its separable student, trains the student's
 * architecture on hard labels twice (from seeded random weights, and from the factored teacher
 * kernels `separable` starts from) and once distilled from the teacher (from the same random
 * weights, batches and order as the first), each for as many epochs as the teacher, and measures
 * all four on `test` on the current backend.
 *
 * @example
 * ```ts
 * const { train, test } = splitDigits(await loadMnistDigits(), { train: 8000, test: 2000, seed: 1 });
 * const rows = await runStudentsSeparable(train, test, { filters: [16, 32], dense: 64, epochs: 2, batchSize: 128, learningRate: 2e-3, latencyRows: 64, warmup: 3, runs: 15, seed: 1 });
 * ```
 */
export async function runStudentsSeparable(train: Digits, test: Digits, options: StudentsSeparableOptions): Promise<SeparableRow[]> {
  const { separable, modelCost } = await import('@whittle/distill');
  const plan = { ...QUICK_STRUCTURED_PLAN, cnnFilters: options.filters, cnnDense: options.dense, cnnEpochs: options.epochs, batchSize: options.batchSize, learningRate: options.learningRate };
  let started = performance.now();
  const teacher = await trainMnistCnn(train, plan, options.seed);
  const teacherSeconds = (performance.now() - started) / 1000;
  const student = separable(teacher);
  const suiteBackend = tf.getBackend() as BackendName;
  const studentBackend = suiteBackend;
  started = performance.now();
  const fromScratch = await trainClassifier(randomInit(student, options.seed + 100), oneHotBatches(train, options.batchSize), options);
  const scratchSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const distilled = await trainDistilled(teacher, randomInit(student, options.seed + 100), train, options);
  const distilledSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const fromTeacher = await trainClassifier(student, oneHotBatches(train, options.batchSize), options);
  const fromTeacherSeconds = (performance.now() - started) / 1000;
  const seconds = await digitForwardSeconds({ teacher, student: fromTeacher }, test, options.latencyRows, options);
  const latency = { teacher: seconds.teacher * 1000, student: seconds.student * 1000 };
  const measured = async (model: SeparableRow['model'], weights: Model, latencyMilliseconds: number, trainSeconds: number): Promise<SeparableRow> => ({
    model,
    trainBackend: model === 'teacher' ? suiteBackend : studentBackend,
    params: countParams(weights),
    multiplyAdds: modelCost(weights, { inputShape: [MNIST_IMAGE_SIZE] }).multiplyAdds,
    accuracy: await mnistAccuracy(weights, test),
    latencyMilliseconds,
    trainSeconds,
  });
  return [
    await measured('teacher', teacher, latency.teacher, teacherSeconds),
    await measured('separable (random init)', fromScratch, latency.student, scratchSeconds),
    await measured('separable (distilled)', distilled, latency.student, distilledSeconds),
    await measured('separable (from teacher)', fromTeacher, latency.student, fromTeacherSeconds),
  ];
}

/**
 * `model` with every kernel drawn afresh (He-uniform over its fan-in, seeded) and every other
 * param zero: the same architecture, none of the teacher's knowledge.
 *
 * @example
 * ```ts
 * const untrained = randomInit(separable(teacher), 7);
 * ```
 */
export function randomInit(model: Model, seed: number): Model {
  const random = seededRandom(seed);
  const updates = new Map<string, Encoding>();
  for (const param of model.params.values()) {
    const size = param.shape.reduce((product, axis) => product * axis, 1);
    if (!WEIGHT_ROLES.includes(param.role)) {
      updates.set(param.name, denseEncoding({ dtype: 'float32', shape: [...param.shape], data: new Float32Array(size) }));
      continue;
    }
    // A depthwise kernel [kh, kw, in, multiplier] sums kh·kw inputs; other kernels all but their last axis.
    const fanIn = param.role === 'depthwise-kernel' ? param.shape[0]! * param.shape[1]! : size / param.shape[param.shape.length - 1]!;
    const limit = Math.sqrt(6 / fanIn);
    updates.set(param.name, denseEncoding({ dtype: 'float32', shape: [...param.shape], data: random.uniformArray(size, -limit, limit) }));
  }
  return replaceParams(model, updates);
}

/**
 * The scratch student's start, batches, order and epochs, distilled from `teacher` by `distill`
 * (Hinton's loss, unshuffled as the hard-label loop is), so only the loss differs from it.
 */
async function trainDistilled(teacher: Model, start: Model, train: Digits, options: StudentsSeparableOptions): Promise<Model> {
  const { distill, hintonLoss } = await import('@whittle/distill');
  const xs = tf.tensor2d(train.images, [train.count, MNIST_IMAGE_SIZE]);
  const ys = tf.tensor1d(train.labels, 'int32');
  try {
    const { student } = await distill({
      teacher,
      student: start,
      data: { xs, ys },
      loss: hintonLoss(DISTILLATION_LOSS),
      optimizer: 'adam',
      learningRate: options.learningRate,
      epochs: options.epochs,
      batchSize: options.batchSize,
      shuffle: false,
      seed: options.seed,
      cacheTeacher: true,
    });
    return student;
  } finally {
    tf.dispose([xs, ys]);
  }
}

/** What the part is given (the distillation suite's part context). */
export interface StudentsPartContext {
  /** Smaller sizes and fewer runs. */
  readonly quick: boolean;
  /** The backend the suite set up. */
  readonly backend: BackendName;
  readonly progress: (message: string) => void;
}

/** Digits and sizes, full and quick. */
const SETTINGS = {
  full: {
    digits: { train: 4000, test: 2000 },
    run: { filters: [16, 32], dense: 64, epochs: 2, batchSize: 128, learningRate: 2e-3, latencyRows: 64, warmup: 3, runs: 15, seed: 1 },
  },
  quick: {
    digits: { train: 1000, test: 500 },
    run: { filters: [8, 16], dense: 32, epochs: 1, batchSize: 100, learningRate: 3e-3, latencyRows: 8, warmup: 1, runs: 3, seed: 1 },
  },
} as const satisfies Record<string, { digits: { train: number; test: number }; run: StudentsSeparableOptions }>;

/**
 * The part: the rows of {@link runStudentsSeparable} on a seeded split of the real MNIST digits
 * (params, multiply-adds, latency, top-1 accuracy and training seconds of each model, and the
 * student's ratios against the teacher).
 *
 * @example
 * ```ts
 * const rows = await studentsSeparablePart({ quick: true, backend: 'wasm', progress: console.log });
 * ```
 */
export async function studentsSeparablePart({ quick, backend, progress }: StudentsPartContext): Promise<ResultRow[]> {
  const settings = quick ? SETTINGS.quick : SETTINGS.full;
  const { run } = settings;
  const size = `mnist cnn ${run.filters.join('-')} dense ${run.dense}, ${run.epochs} epoch(s)`;
  progress(`students: separable student of a ${size} on ${backend}`);
  const { train, test } = splitDigits(await loadMnistDigits(), { ...settings.digits, seed: 1 });
  const results = await runStudentsSeparable(train, test, run);
  const teacher = results[0]!;
  const rows: ResultRow[] = [];
  for (const result of results) {
    const row = (metric: string, value: number, unit: string): ResultRow => ({ suite: 'distillation', case: `cnn ${result.model}`, backend, size, metric, value, unit });
    rows.push(
      row('params', result.params, 'params'),
      row('multiply-adds', result.multiplyAdds, 'MACs'),
      row(`latency-batch-${run.latencyRows}`, result.latencyMilliseconds, 'ms'),
      row('top1-accuracy', result.accuracy, '%'),
      { ...row('train-time', result.trainSeconds, 's'), backend: result.trainBackend },
    );
    if (result !== teacher) {
      rows.push(row('multiply-add-ratio', teacher.multiplyAdds / result.multiplyAdds, 'x'), row('speedup', teacher.latencyMilliseconds / result.latencyMilliseconds, 'x'));
    }
  }
  return rows;
}
