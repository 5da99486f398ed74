/**
 * Learning-rate schedules: plain data (constant, step decay, cosine annealing) or a function of
 * the epoch and step.
 */
import { WhittleError, describeValue } from '@whittle/core';

/** Every named schedule kind: the list {@link ScheduleKind} comes from. */
export const SCHEDULE_KINDS = ['constant', 'step', 'cosine'] as const;

/** One of {@link SCHEDULE_KINDS}. */
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

/** Where a step is in training: epoch counts from 1, step (optimizer steps so far) from 1. */
export interface SchedulePosition {
  readonly epoch: number;
  readonly step: number;
  /** The number of epochs asked for. */
  readonly epochs: number;
  /** The starting learning rate. */
  readonly learningRate: number;
}

/**
 * A learning-rate schedule: `constant`; `step` multiplies the rate by `factor` (default 0.1) every
 * `every` epochs; `cosine` anneals it from the starting rate to `minimum` (default 0) along half a
 * cosine over the epochs, per epoch (a stream's length is not known in advance); or a function
 * of the position giving the rate.
 */
export type LearningRateSchedule =
  | { readonly kind: 'constant' }
  | { readonly kind: 'step'; readonly every: number; readonly factor?: number }
  | { readonly kind: 'cosine'; readonly minimum?: number }
  | ((position: SchedulePosition) => number);

/**
 * Throws an `invalid-argument` WhittleError naming the field unless `schedule` is a
 * {@link LearningRateSchedule}.
 *
 * @example
 * ```ts
 * checkSchedule({ kind: 'step', every: 2, factor: 0.5 }); // passes
 * ```
 */
export function checkSchedule(schedule: unknown, field = 'schedule'): asserts schedule is LearningRateSchedule {
  if (typeof schedule === 'function') return;
  if (typeof schedule !== 'object' || schedule === null || !(SCHEDULE_KINDS as readonly unknown[]).includes((schedule as { kind?: unknown }).kind)) {
    throw new WhittleError('invalid-argument', `must be { kind: ${SCHEDULE_KINDS.join(' | ')} } or a function of { epoch, step }, got ${describeValue(schedule)}`, { field });
  }
  const { kind, every, factor, minimum } = schedule as { kind: ScheduleKind; every?: unknown; factor?: unknown; minimum?: unknown };
  if (kind === 'step') {
    if (!Number.isSafeInteger(every) || (every as number) < 1) throw new WhittleError('invalid-argument', `must be a positive integer of epochs, got ${describeValue(every)}`, { field: `${field}.every` });
    if (factor !== undefined && (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 0)) {
      throw new WhittleError('invalid-argument', `must be a finite number > 0, got ${describeValue(factor)}`, { field: `${field}.factor` });
    }
  }
  if (kind === 'cosine' && minimum !== undefined && (typeof minimum !== 'number' || !Number.isFinite(minimum) || minimum < 0)) {
    throw new WhittleError('invalid-argument', `must be a finite number ≥ 0, got ${describeValue(minimum)}`, { field: `${field}.minimum` });
  }
}

/**
 * The learning rate at `position` under `schedule`; a WhittleError when a schedule function gives
 * anything but a finite number ≥ 0.
 *
 * @example
 * ```ts
 * learningRateAt({ kind: 'cosine' }, { epoch: 1, step: 1, epochs: 10, learningRate: 1e-3 }); // 1e-3
 * ```
 */
export function learningRateAt(schedule: LearningRateSchedule, position: SchedulePosition): number {
  if (typeof schedule === 'function') {
    const rate = schedule(position);
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) {
      throw new WhittleError('invalid-argument', `the schedule function must return a finite number ≥ 0, got ${describeValue(rate)} at epoch ${position.epoch}`, { field: 'schedule' });
    }
    return rate;
  }
  switch (schedule.kind) {
    case 'constant':
      return position.learningRate;
    case 'step':
      return position.learningRate * (schedule.factor ?? 0.1) ** Math.floor((position.epoch - 1) / schedule.every);
    case 'cosine': {
      const minimum = schedule.minimum ?? 0;
      const progress = position.epochs <= 1 ? 0 : (position.epoch - 1) / (position.epochs - 1);
      return minimum + ((position.learningRate - minimum) * (1 + Math.cos(Math.PI * progress))) / 2;
    }
  }
}
