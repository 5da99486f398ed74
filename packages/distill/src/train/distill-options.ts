/**
 * The options of `distill`, what it returns, and the check that turns every bad option into a
 * one-line WhittleError before any training starts.
 */
import { DEFAULT_LEARNING_RATES, OPTIMIZER_NAMES, WhittleError, describeValue, type OptimizerName } from '@whittle/core';
import { hintonLoss, type DistillationLoss } from '../losses/index.ts';
import type { DistillModel } from './distill-model.ts';
import { checkSchedule, type LearningRateSchedule } from './learning-rate-schedule.ts';
import { checkData, type DistillData } from './training-data.ts';
import { metricGoal, type MetricGoal, type ValidationMetric } from './validation-metric.ts';

/** Held-out data and what to measure on it after each epoch. */
export interface ValidationOptions {
  readonly data: DistillData;
  readonly metric: ValidationMetric;
  /** Whether higher or lower is better; needed for a metric function. */
  readonly goal?: MetricGoal;
}

/** Stop when the monitored figure (validation metric, or training loss without validation) stops improving. */
export interface EarlyStoppingOptions {
  /** Epochs without an improvement of more than `minDelta` before training stops. */
  readonly patience: number;
  /** The smallest change that counts as an improvement. Default 0. */
  readonly minDelta?: number;
  /** Hand back the student of the best epoch rather than the last. Default true. */
  readonly restoreBest?: boolean;
}

/** What `onProgress` is told: after each batch, and after each epoch. */
export type DistillProgress =
  | { readonly kind: 'batch'; readonly epoch: number; readonly batch: number; readonly step: number; readonly loss: number; readonly learningRate: number }
  | { readonly kind: 'epoch'; readonly epoch: number; readonly loss: number; readonly validation: number | undefined; readonly learningRate: number; readonly seconds: number };

/** Options of `distill`. */
export interface DistillOptions<Student extends DistillModel = DistillModel> {
  /** The model to learn from; frozen (run in inference mode only). */
  readonly teacher: DistillModel;
  /** The model that trains. */
  readonly student: Student;
  /** Training data: `{ xs, ys? }` tensors, or a stream of such batches. */
  readonly data: DistillData;
  /** Default `hintonLoss({ temperature: 4, alpha: 0.1 })`, or `alpha: 0` on batches without labels. */
  readonly loss?: DistillationLoss;
  /** Default `adam`. */
  readonly optimizer?: OptimizerName;
  /** The starting learning rate. Default 1e-3 for adam and rmsprop, 1e-2 for sgd and adagrad. */
  readonly learningRate?: number;
  /** Momentum for sgd and rmsprop. Default 0. */
  readonly momentum?: number;
  /** Default constant. */
  readonly schedule?: LearningRateSchedule;
  /** Default 1. */
  readonly epochs?: number;
  /** Samples per batch for in-memory data (a stream's batches are used as they come). Default 32. */
  readonly batchSize?: number;
  /** Seed of the shuffling of in-memory data, a different order each epoch. Default 0. */
  readonly seed?: number;
  /** Shuffle in-memory data each epoch. Default true. */
  readonly shuffle?: boolean;
  readonly validation?: ValidationOptions;
  readonly earlyStopping?: EarlyStoppingOptions;
  /**
   * Run the teacher once and keep its outputs (per sample for in-memory data, per batch index for
   * a stream, whose batches must then come in the same order each epoch). Faster for a large
   * teacher; holds the outputs in memory. Default false.
   */
  readonly cacheTeacher?: boolean;
  /** Told after each batch and each epoch; awaited. */
  readonly onProgress?: (progress: DistillProgress) => void | Promise<void>;
}

/** How training went, epoch by epoch. */
export interface DistillHistory {
  /** Mean training loss of each epoch run. */
  readonly loss: readonly number[];
  /** The validation metric after each epoch (empty without validation). */
  readonly validation: readonly number[];
  /** The learning rate each epoch started with. */
  readonly learningRate: readonly number[];
  /** The epoch (from 1) with the best validation metric, or the lowest loss without validation. */
  readonly bestEpoch: number;
  /** Whether early stopping ended training before `epochs`. */
  readonly stoppedEarly: boolean;
}

/** What `distill` returns. */
export interface DistillResult<Student extends DistillModel = DistillModel> {
  /** The trained student, the same kind as given: a whittle Model for a Model, a new LayersModel for a LayersModel, the same apply model (its variables trained) for an apply model. */
  readonly student: Student;
  readonly history: DistillHistory;
}

/** Options after checking, with every default filled in. */
export interface CheckedOptions {
  readonly loss: DistillationLoss;
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  readonly momentum: number;
  readonly schedule: LearningRateSchedule;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly shuffle: boolean;
  readonly validation: (ValidationOptions & { readonly goal: MetricGoal }) | undefined;
  readonly earlyStopping: { readonly patience: number; readonly minDelta: number; readonly restoreBest: boolean } | undefined;
  readonly cacheTeacher: boolean;
}

/** The most epochs, and samples per batch, so a typo cannot hang or allocate without bound. */
const MAX_EPOCHS = 1_000_000;
const MAX_BATCH_SIZE = 1 << 20;

/**
 * The options with defaults filled in; an `invalid-argument` WhittleError naming the field for
 * anything wrong. The teacher and student are checked when loaded.
 *
 * @example
 * ```ts
 * const checked = checkDistillOptions({ teacher, student, data: { xs, ys }, epochs: 3 });
 * ```
 */
export function checkDistillOptions(options: DistillOptions): CheckedOptions {
  if (typeof options !== 'object' || options === null) throw new WhittleError('invalid-argument', `distill options must be an object, got ${describeValue(options)}`, { field: 'options' });
  checkData(options.data, 'data');
  if (options.loss !== undefined && typeof options.loss !== 'function') {
    throw new WhittleError('invalid-argument', `loss must be a function (teacherOutputs, studentOutputs, labels) => scalar, got ${describeValue(options.loss)}`, { field: 'loss' });
  }
  const optimizer = options.optimizer ?? 'adam';
  if (!(OPTIMIZER_NAMES as readonly unknown[]).includes(optimizer)) {
    throw new WhittleError('invalid-argument', `must be one of ${OPTIMIZER_NAMES.join(', ')}, got ${describeValue(optimizer)}`, { field: 'optimizer' });
  }
  const learningRate = options.learningRate ?? DEFAULT_LEARNING_RATES[optimizer];
  if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate <= 0) {
    throw new WhittleError('invalid-argument', `must be a finite number > 0, got ${describeValue(learningRate)}`, { field: 'learningRate' });
  }
  const momentum = options.momentum ?? 0;
  if (typeof momentum !== 'number' || !Number.isFinite(momentum) || momentum < 0 || momentum >= 1) {
    throw new WhittleError('invalid-argument', `must be a number in [0, 1), got ${describeValue(momentum)}`, { field: 'momentum' });
  }
  if (momentum > 0 && optimizer !== 'sgd' && optimizer !== 'rmsprop') throw new WhittleError('invalid-argument', `momentum applies to sgd and rmsprop, not ${optimizer}`, { field: 'momentum' });
  const schedule = options.schedule ?? { kind: 'constant' };
  checkSchedule(schedule);
  const epochs = positiveInteger(options.epochs ?? 1, 'epochs', MAX_EPOCHS);
  const batchSize = positiveInteger(options.batchSize ?? 32, 'batchSize', MAX_BATCH_SIZE);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new WhittleError('invalid-argument', `must be an integer, got ${describeValue(seed)}`, { field: 'seed' });
  const shuffle = options.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw new WhittleError('invalid-argument', `must be true or false, got ${describeValue(shuffle)}`, { field: 'shuffle' });
  const cacheTeacher = options.cacheTeacher ?? false;
  if (typeof cacheTeacher !== 'boolean') throw new WhittleError('invalid-argument', `must be true or false, got ${describeValue(cacheTeacher)}`, { field: 'cacheTeacher' });
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new WhittleError('invalid-argument', `must be a function, got ${describeValue(options.onProgress)}`, { field: 'onProgress' });
  }
  let validation: CheckedOptions['validation'];
  if (options.validation !== undefined) {
    if (typeof options.validation !== 'object' || options.validation === null) {
      throw new WhittleError('invalid-argument', `must be { data, metric, goal? }, got ${describeValue(options.validation)}`, { field: 'validation' });
    }
    checkData(options.validation.data, 'validation.data');
    const goal = metricGoal(options.validation.metric, options.validation.goal, 'validation');
    validation = { ...options.validation, goal };
  }
  let earlyStopping: CheckedOptions['earlyStopping'];
  if (options.earlyStopping !== undefined) {
    const given = options.earlyStopping;
    if (typeof given !== 'object' || given === null) throw new WhittleError('invalid-argument', `must be { patience, minDelta? }, got ${describeValue(given)}`, { field: 'earlyStopping' });
    const patience = positiveInteger(given.patience, 'earlyStopping.patience', MAX_EPOCHS);
    const minDelta = given.minDelta ?? 0;
    if (typeof minDelta !== 'number' || !Number.isFinite(minDelta) || minDelta < 0) {
      throw new WhittleError('invalid-argument', `must be a finite number ≥ 0, got ${describeValue(minDelta)}`, { field: 'earlyStopping.minDelta' });
    }
    const restoreBest = given.restoreBest ?? true;
    if (typeof restoreBest !== 'boolean') throw new WhittleError('invalid-argument', `must be true or false, got ${describeValue(restoreBest)}`, { field: 'earlyStopping.restoreBest' });
    earlyStopping = { patience, minDelta, restoreBest };
  }
  const loss = options.loss ?? defaultLoss();
  return { loss, optimizer, learningRate, momentum, schedule, epochs, batchSize, seed, shuffle, validation, earlyStopping, cacheTeacher };
}

/** Hinton's loss at T = 4, α = 0.1 on batches with labels, and its soft term alone on batches without. */
function defaultLoss(): DistillationLoss {
  const withLabels = hintonLoss({ temperature: 4, alpha: 0.1 });
  const withoutLabels = hintonLoss({ temperature: 4, alpha: 0 });
  return (teacherOutputs, studentOutputs, labels) => (labels === undefined ? withoutLabels : withLabels)(teacherOutputs, studentOutputs, labels);
}

function positiveInteger(value: unknown, field: string, maximum: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > maximum) {
    throw new WhittleError('invalid-argument', `must be an integer from 1 to ${maximum}, got ${describeValue(value)}`, { field });
  }
  return value as number;
}
