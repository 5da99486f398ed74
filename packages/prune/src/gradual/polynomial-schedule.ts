/**
 * The cubic sparsity schedule of Zhu & Gupta (2017, "To prune, or not to prune"): sparsity rises
 * from s_i to s_f over n update steps Δt apart, fast at first and slowly at the end, as plain
 * data that survives JSON.
 */
import { WhittleError, isWhittleError, readInteger, readNumber, type StepFields, type StepLocation } from '@whittle/core';

/**
 * A polynomial (cubic) sparsity schedule, counted in optimizer steps (training batches):
 * s_t = s_f + (s_i − s_f)(1 − (t − t₀)/(nΔt))³ at the update steps t = t₀, t₀ + Δt, …, held
 * between them, s_f from `endStep` on, and 0 (dense) before `beginStep`.
 */
export interface PolynomialSchedule {
  /** Always `polynomial`: the schedule's form, for data that may hold others. */
  readonly kind: 'polynomial';
  /** s_i: the sparsity at `beginStep`, from 0 to under 1. */
  readonly initialSparsity: number;
  /** s_f: the sparsity from `endStep` on, at least s_i and under 1. */
  readonly finalSparsity: number;
  /** t₀: the first step whose mask prunes (0: before the first batch). */
  readonly beginStep: number;
  /** t₀ + nΔt: the step that reaches s_f; an update step even off the `frequency` grid. */
  readonly endStep: number;
  /** Δt: steps between mask updates, at least 1. */
  readonly frequency: number;
}

/** Options of {@link polynomialSchedule}: absent fields take their defaults. */
export interface PolynomialScheduleOptions {
  /** Default 0. */
  readonly initialSparsity?: number;
  /** s_f, at least s_i and under 1. */
  readonly finalSparsity: number;
  /** Default 0. */
  readonly beginStep?: number;
  /** The step that reaches s_f, at least `beginStep`. */
  readonly endStep: number;
  /** Default 100 steps between mask updates. */
  readonly frequency?: number;
}

/** The schedule's fields, as a recipe step carries them. */
export const SCHEDULE_FIELDS = ['initialSparsity', 'finalSparsity', 'beginStep', 'endStep', 'frequency'] as const;

/** Steps between mask updates when a schedule names none (as in tfmot's `PolynomialDecay`). */
export const DEFAULT_FREQUENCY = 100;

/**
 * A checked {@link PolynomialSchedule}: plain data to keep in a recipe or a JSON file. Throws an
 * `invalid-argument` WhittleError naming the field for a value out of range.
 *
 * @example
 * ```ts
 * const schedule = polynomialSchedule({ finalSparsity: 0.9, endStep: 2000, frequency: 100 });
 * sparsityAt(schedule, 1000); // 0.7875
 * ```
 */
export function polynomialSchedule(options: PolynomialScheduleOptions): PolynomialSchedule {
  try {
    return readSchedule(options as unknown as StepFields);
  } catch (error) {
    if (!isWhittleError(error)) throw error;
    throw new WhittleError('invalid-argument', error.detail, error.field === undefined ? {} : { field: error.field }, { cause: error });
  }
}

/**
 * A schedule that holds `sparsity` from the first step on: fine-tuning that keeps what is pruned
 * pruned (0, after structured removal: plain fine-tuning through the same loop).
 *
 * @example
 * ```ts
 * const schedule = constantSchedule(0);
 * sparsityAt(schedule, 500); // 0
 * ```
 */
export function constantSchedule(sparsity: number): PolynomialSchedule {
  return polynomialSchedule({ initialSparsity: sparsity, finalSparsity: sparsity, beginStep: 0, endStep: 0, frequency: 1 });
}

/**
 * The schedule's fields read from untrusted data (a recipe step), with defaults filled in.
 * Throws an `invalid-recipe` WhittleError naming the step and field.
 *
 * @example
 * ```ts
 * const schedule = readSchedule({ finalSparsity: 0.8, endStep: 400 }, { step: 1 });
 * ```
 */
export function readSchedule(source: StepFields, context?: StepLocation): PolynomialSchedule {
  const initialSparsity = readNumber(source, 'initialSparsity', { min: 0, max: 1, maxExclusive: true, default: 0 }, context);
  const finalSparsity = readNumber(source, 'finalSparsity', { min: initialSparsity, max: 1, maxExclusive: true }, context);
  const beginStep = readInteger(source, 'beginStep', { min: 0, default: 0 }, context);
  const endStep = readInteger(source, 'endStep', { min: beginStep }, context);
  const frequency = readInteger(source, 'frequency', { min: 1, default: DEFAULT_FREQUENCY }, context);
  return { kind: 'polynomial', initialSparsity, finalSparsity, beginStep, endStep, frequency };
}

/**
 * The sparsity `schedule` asks for once `step` optimizer steps are done (step 0: before the
 * first batch). Monotone in `step`; exactly s_i at `beginStep` and s_f from `endStep` on.
 *
 * @example
 * ```ts
 * const schedule = polynomialSchedule({ initialSparsity: 0.5, finalSparsity: 0.9, beginStep: 10, endStep: 30, frequency: 10 });
 * [0, 10, 19, 20, 30, 99].map((step) => sparsityAt(schedule, step)); // [0, 0.5, 0.5, 0.85, 0.9, 0.9]
 * ```
 */
export function sparsityAt(schedule: PolynomialSchedule, step: number): number {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new WhittleError('invalid-argument', `a step is a count of optimizer steps, got ${String(step)}`, { field: 'step' });
  }
  const { initialSparsity, finalSparsity, beginStep, endStep, frequency } = schedule;
  if (step < beginStep) return 0;
  if (step >= endStep) return finalSparsity;
  const update = beginStep + Math.floor((step - beginStep) / frequency) * frequency;
  if (update === beginStep) return initialSparsity;
  const remaining = 1 - (update - beginStep) / (endStep - beginStep);
  const sparsity = finalSparsity + (initialSparsity - finalSparsity) * remaining ** 3;
  // Rounding must not carry a value past either end (monotone, and exact at both).
  return Math.min(finalSparsity, Math.max(initialSparsity, sparsity));
}
