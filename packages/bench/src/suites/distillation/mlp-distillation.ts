/**
 * Hinton et al.'s MNIST experiment at a size that trains here: a large MLP teacher, and one small
 * student architecture trained twice from the same initialisation, seed and epochs: on the hard
 * labels alone, and distilled from the teacher.
 */
import * as tf from '@tensorflow/tfjs-core';
import { countParams, type Model } from '@whittle/core';
import { MNIST_CLASSES, MNIST_IMAGE_SIZE, type Digits } from '../quantization/mnist-digits.ts';
import { mnistAccuracy, trainMnistMlp } from '../quantization/mnist-mlp.ts';

/** Sizes and settings of {@link runMlpDistillation}. */
export interface MlpDistillationOptions {
  /** Hidden widths of the teacher MLP. */
  readonly teacherHiddenSizes: readonly number[];
  readonly teacherEpochs: number;
  /** Hidden widths of the student MLP. */
  readonly studentHiddenSizes: readonly number[];
  /** Epochs of each student (hard-label and distilled alike). */
  readonly studentEpochs: number;
  readonly teacherBatchSize: number;
  /** Samples per batch of both students. */
  readonly studentBatchSize: number;
  /** Adam's learning rate for the teacher. */
  readonly teacherLearningRate: number;
  /** Adam's learning rate for both students. */
  readonly studentLearningRate: number;
  /** T of Hinton's loss. */
  readonly temperature: number;
  /** α of Hinton's loss: the weight of the hard labels. */
  readonly alpha: number;
  readonly seed: number;
  /** Progress messages. */
  readonly progress?: (message: string) => void;
}

/** One model of the experiment, measured. */
export interface MlpDistillationRow {
  readonly method: 'teacher' | 'hard-label student' | 'distilled student';
  readonly params: number;
  /** Top-1 accuracy in percent on the test digits. */
  readonly accuracy: number;
  readonly trainSeconds: number;
}

/**
 * Trains the teacher on `train`, then the student twice with `distill` under the same optimizer,
 * seed, shuffling and epochs: with Hinton's loss at α = 1 (hard labels alone) and at the given
 * T and α (distilled); measures each on `test` through core's runner.
 *
 * @example
 * ```ts
 * const { train, test } = splitDigits(await loadMnistDigits(), { train: 8000, test: 2000, seed: 1 });
 * const rows = await runMlpDistillation(train, test, { teacherHiddenSizes: [1200, 1200], teacherEpochs: 5, studentHiddenSizes: [40], studentEpochs: 15, teacherBatchSize: 32, studentBatchSize: 64, teacherLearningRate: 1e-3, studentLearningRate: 3e-3, temperature: 4, alpha: 0.1, seed: 1 });
 * ```
 */
export async function runMlpDistillation(train: Digits, test: Digits, options: MlpDistillationOptions): Promise<MlpDistillationRow[]> {
  const { distill, hintonLoss } = await import('@whittle/distill');
  const { fromLayersModel } = await import('@whittle/core/runner');
  const progress = options.progress ?? (() => {});
  progress(`teacher ${[MNIST_IMAGE_SIZE, ...options.teacherHiddenSizes, MNIST_CLASSES].join('-')}: ${options.teacherEpochs} epoch(s)`);
  const teacher = await trainMnistMlp(train, { hiddenSizes: options.teacherHiddenSizes, epochs: options.teacherEpochs, batchSize: options.teacherBatchSize, learningRate: options.teacherLearningRate, seed: options.seed });
  const rows: MlpDistillationRow[] = [];
  const xs = tf.tensor2d(train.images, [train.count, MNIST_IMAGE_SIZE]);
  const ys = tf.tensor1d(train.labels, 'int32');
  try {
    rows.push({ method: 'teacher', params: countParams(teacher.model), accuracy: await mnistAccuracy(teacher.model, test), trainSeconds: teacher.trainSeconds });
    const initial = await studentModel(options.studentHiddenSizes, options.seed, fromLayersModel);
    for (const [method, alpha] of [['hard-label student', 1], ['distilled student', options.alpha]] as const) {
      progress(`${method}: ${options.studentEpochs} epoch(s)`);
      const started = performance.now();
      const { student } = await distill({
        teacher: teacher.model,
        student: initial,
        data: { xs, ys },
        loss: hintonLoss({ temperature: options.temperature, alpha }),
        optimizer: 'adam',
        learningRate: options.studentLearningRate,
        epochs: options.studentEpochs,
        batchSize: options.studentBatchSize,
        seed: options.seed,
        // The hard-label student never needs the teacher's outputs, but runs the same loop; the
        // cache keeps its cost to one pass, so train seconds compare the students fairly.
        cacheTeacher: true,
      });
      const trainSeconds = (performance.now() - started) / 1000;
      rows.push({ method, params: countParams(student), accuracy: await mnistAccuracy(student, test), trainSeconds });
    }
  } finally {
    tf.dispose([xs, ys]);
    teacher.dispose();
  }
  return rows;
}

/** The student's untrained MLP as a whittle Model: He-normal ReLU layers from `seed`, linear logits. */
async function studentModel(hiddenSizes: readonly number[], seed: number, fromLayersModel: (model: never) => Promise<Model>): Promise<Model> {
  const tfl = await import('@tensorflow/tfjs-layers');
  const widths = [...hiddenSizes, MNIST_CLASSES];
  const layers = tfl.sequential({
    name: 'mnist_student',
    layers: widths.map((units, index) =>
      tfl.layers.dense({
        name: `dense_${index + 1}`,
        units,
        activation: index < widths.length - 1 ? 'relu' : 'linear',
        kernelInitializer: tfl.initializers.heNormal({ seed: seed + 100 + index }),
        ...(index === 0 ? { inputShape: [MNIST_IMAGE_SIZE] } : {}),
      }),
    ),
  });
  try {
    return await fromLayersModel(layers as never);
  } finally {
    layers.dispose();
  }
}
