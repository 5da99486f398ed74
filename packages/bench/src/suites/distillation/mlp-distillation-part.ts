/**
 * The `distillation` suite's MLP part: Hinton et al.'s MNIST experiment, teacher against a 10×
 * smaller student trained on hard labels and distilled.
 */
import type { ResultRow } from '../../result-row.ts';
import { MNIST_CLASSES, MNIST_IMAGE_SIZE, loadMnistDigits, splitDigits } from '../quantization/mnist-digits.ts';
import type { DistillationPart } from './distillation-part.ts';
import { runMlpDistillation, type MlpDistillationOptions } from './mlp-distillation.ts';

/** The digits and the experiment, full and quick. T and α were tuned once, on the full run. */
export const MLP_DISTILLATION_SETTINGS = {
  full: {
    digits: { train: 8000, test: 2000 },
    // 784-1200-1200-10 takes about 3 minutes an epoch here; 784-400-400-10 is the largest that
    // trains in a few minutes.
    experiment: { teacherHiddenSizes: [400, 400], teacherEpochs: 5, studentHiddenSizes: [40], studentEpochs: 15, teacherBatchSize: 32, studentBatchSize: 64, teacherLearningRate: 1e-3, studentLearningRate: 3e-3, temperature: 2, alpha: 0.5, seed: 1 },
  },
  quick: {
    digits: { train: 1000, test: 300 },
    experiment: { teacherHiddenSizes: [128], teacherEpochs: 4, studentHiddenSizes: [8], studentEpochs: 4, teacherBatchSize: 50, studentBatchSize: 50, teacherLearningRate: 2e-3, studentLearningRate: 5e-3, temperature: 2, alpha: 0.5, seed: 1 },
  },
} as const satisfies Record<string, { digits: { train: number; test: number }; experiment: MlpDistillationOptions }>;

/**
 * The part: params, test accuracy and train seconds of the teacher, the hard-label student and
 * the distilled student, with the distilled student's gain over its hard-label twin and its gap
 * to the teacher in points.
 *
 * @example
 * ```ts
 * const rows = await mlpDistillationPart({ quick: true, backend: 'wasm', progress: console.log });
 * ```
 */
export const mlpDistillationPart: DistillationPart = async ({ quick, backend, progress }) => {
  const settings = quick ? MLP_DISTILLATION_SETTINGS.quick : MLP_DISTILLATION_SETTINGS.full;
  const { experiment } = settings;
  const architecture = (hidden: readonly number[]): string => [MNIST_IMAGE_SIZE, ...hidden, MNIST_CLASSES].join('-');
  const size = `mnist ${settings.digits.train}/${settings.digits.test}, teacher ${architecture(experiment.teacherHiddenSizes)}, student ${architecture(experiment.studentHiddenSizes)}, T ${experiment.temperature}, alpha ${experiment.alpha}`;
  progress(`mlpDistillation: ${size} on ${backend}`);
  const { train, test } = splitDigits(await loadMnistDigits(), { ...settings.digits, seed: 1 });
  const results = await runMlpDistillation(train, test, { ...experiment, progress: (message) => progress(`mlpDistillation: ${message}`) });
  const rows: ResultRow[] = [];
  for (const result of results) {
    const row = (metric: string, value: number, unit: string): ResultRow => ({ suite: 'distillation', case: `mlp ${result.method}`, backend, size, metric, value, unit });
    rows.push(row('params', result.params, 'params'), row('top1-accuracy', result.accuracy, '%'), row('train-time', result.trainSeconds, 's'));
  }
  const [teacher, hardLabel, distilled] = results as [(typeof results)[0], (typeof results)[0], (typeof results)[0]];
  const summary = (metric: string, value: number): ResultRow => ({ suite: 'distillation', case: 'mlp distilled student', backend, size, metric, value, unit: 'points' });
  rows.push(summary('gain-over-hard-label', distilled.accuracy - hardLabel.accuracy), summary('gap-to-teacher', teacher.accuracy - distilled.accuracy));
  return rows;
};
