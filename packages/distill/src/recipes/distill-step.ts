/**
 * The `distill` recipe step: the student to build from the model being compressed, and how to
 * train it, as plain JSON data; and its validation.
 */
import { WhittleError, isWhittleError, readEnum, readInteger, readNumber, rejectUnknownFields, type RecipeStep, type StepLocation } from '@whittle/core';
import { validateStudentSpec, type StudentSpec } from '../students/index.ts';
import { OPTIMIZER_NAMES, type OptimizerName } from '../train/index.ts';

/** The recipe kind of distillation steps. */
export const DISTILL_KIND = 'distill';

/** Defaults of a step's training settings (those of `distill` and `hintonLoss`). */
export const DISTILL_STEP_DEFAULTS = { epochs: 1, batchSize: 32, temperature: 4, alpha: 0.1, optimizer: 'adam', seed: 0 } as const;

/** The most epochs a step may ask for: a typo of 1e9 should not train for ever. */
const MAX_EPOCHS = 10_000;
/** The most samples per batch. */
const MAX_BATCH_SIZE = 1 << 20;

/** The settings of a `distill` step. */
export interface DistillStepSettings {
  /** The student to build from the teacher (see `StudentSpec`), as plain JSON. */
  readonly student: StudentSpec;
  /** Passes over the training data (default 1). */
  readonly epochs?: number;
  /** Samples per optimizer step (default 32). */
  readonly batchSize?: number;
  /** Softmax temperature T of the Hinton loss (default 4). */
  readonly temperature?: number;
  /** Weight α of the hard-label term, 0–1 (default 0.1). */
  readonly alpha?: number;
  /** Default `adam`. */
  readonly optimizer?: OptimizerName;
  /** Default 1e-3 for adam and rmsprop, 1e-2 for sgd and adagrad. */
  readonly learningRate?: number;
  /** Seed of the shuffling (default 0). */
  readonly seed?: number;
}

/** A `distill` step. Needs the `training` resource (see `distillHandler`). */
export interface DistillStep extends RecipeStep, DistillStepSettings {
  /** Always `distill`. */
  readonly kind: typeof DISTILL_KIND;
}

/** A validated {@link DistillStep}: defaults filled in, the student spec checked. */
export interface DistillConfig extends RecipeStep {
  /** Always `distill`. */
  readonly kind: typeof DISTILL_KIND;
  /** The student spec, checked by `validateStudentSpec`. */
  readonly student: StudentSpec;
  /** Passes over the training data. */
  readonly epochs: number;
  /** Samples per optimizer step (for batches given as an array). */
  readonly batchSize: number;
  /** Softmax temperature T of the Hinton loss. */
  readonly temperature: number;
  /** Weight α of the hard-label term. */
  readonly alpha: number;
  /** The tfjs optimizer `distill` makes. */
  readonly optimizer: OptimizerName;
  /** Absent: the optimizer's default. */
  readonly learningRate?: number;
  /** Seed of the shuffling. */
  readonly seed: number;
}

const SETTING_FIELDS = ['student', 'epochs', 'batchSize', 'temperature', 'alpha', 'optimizer', 'learningRate', 'seed'] as const;

/**
 * A `distill` step: plain, JSON-serialisable data (absent settings keep their defaults).
 *
 * @example
 * ```ts
 * const recipe = [distillStep({ student: { width: 0.25 }, epochs: 3 }), { kind: 'quantize.kmeans', bits: 5 }];
 * ```
 */
export function distillStep(settings: DistillStepSettings): DistillStep {
  const step: Record<string, unknown> = { kind: DISTILL_KIND };
  // Absent fields stay absent (not `undefined`), so the step survives a JSON round trip unchanged.
  for (const field of SETTING_FIELDS) if (settings[field] !== undefined) step[field] = field === 'student' ? { ...settings.student } : settings[field];
  return step as DistillStep;
}

/**
 * Checks an untrusted `distill` step and fills in defaults; throws an `invalid-recipe`
 * WhittleError naming the step and field (`student.width`, `temperature`, …).
 *
 * @example
 * ```ts
 * validateDistillStep({ kind: 'distill', student: { width: 0.5 } }, { step: 1 }).temperature; // 4
 * ```
 */
export function validateDistillStep(step: RecipeStep, context: StepLocation): DistillConfig {
  rejectUnknownFields(step, SETTING_FIELDS, context);
  if (step.student === undefined) {
    throw new WhittleError('invalid-recipe', 'student is required: a student spec such as {"width":0.25}', { field: 'student', step: context.step });
  }
  let student: StudentSpec;
  try {
    // A string would be JSON text to `validateStudentSpec`; in a recipe the spec is JSON already.
    if (typeof step.student === 'string') throw new WhittleError('invalid-argument', 'student spec: a student spec must be an object', { field: 'spec' });
    student = validateStudentSpec(step.student);
  } catch (error) {
    if (!isWhittleError(error)) throw error;
    const field = error.field === undefined || error.field === 'spec' ? 'student' : `student${error.field.slice('spec'.length)}`;
    throw new WhittleError('invalid-recipe', error.detail, { field, step: context.step }, { cause: error });
  }
  const learningRate = step.learningRate === undefined ? undefined : readNumber(step, 'learningRate', { min: 0, minExclusive: true, max: 100 }, context);
  return {
    kind: DISTILL_KIND,
    student,
    epochs: readInteger(step, 'epochs', { min: 1, max: MAX_EPOCHS, default: DISTILL_STEP_DEFAULTS.epochs }, context),
    batchSize: readInteger(step, 'batchSize', { min: 1, max: MAX_BATCH_SIZE, default: DISTILL_STEP_DEFAULTS.batchSize }, context),
    temperature: readNumber(step, 'temperature', { min: 0, minExclusive: true, max: 1000, default: DISTILL_STEP_DEFAULTS.temperature }, context),
    alpha: readNumber(step, 'alpha', { min: 0, max: 1, default: DISTILL_STEP_DEFAULTS.alpha }, context),
    optimizer: readEnum(step, 'optimizer', OPTIMIZER_NAMES, { default: DISTILL_STEP_DEFAULTS.optimizer }, context),
    ...(learningRate === undefined ? {} : { learningRate }),
    seed: readInteger(step, 'seed', { min: 0, max: 0xffffffff, default: DISTILL_STEP_DEFAULTS.seed }, context),
  };
}
