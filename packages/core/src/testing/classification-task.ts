/**
 * A seeded classification task a small model learns in a few steps: for testing steps that train
 * (gradual pruning, fine-tuning, distillation) without a dataset.
 */
import { WhittleError } from '../errors.ts';
import type { Batch } from '../runner/batch-data.ts';
import { hostTensor } from '../tensor/host-tensor.ts';

/** The task's size and seed; every field is optional. */
export interface ClassificationTaskOptions {
  /** Features per point (default 8). */
  readonly features?: number;
  /** Classes, one fixed direction each (default 3). */
  readonly classes?: number;
  /** Seed of the points; the directions are the same for every seed (default 5). */
  readonly seed?: number;
}

/**
 * `batches` batches of `rows` points uniform in [-1, 1)^features, each labelled (one-hot) by
 * which of `classes` fixed random directions it has the largest dot product with: linearly
 * separable, so a Dense layer reaches high accuracy quickly. The same arguments give the same
 * numbers in every runtime (a plain linear congruential generator).
 *
 * @example
 * ```ts
 * const training = { batches: classificationBatches(4, 32), loss: 'categoricalCrossentropy' };
 * ```
 */
export function classificationBatches(batches: number, rows: number, options: ClassificationTaskOptions = {}): Batch[] {
  const { features = 8, classes = 3, seed = 5 } = options;
  for (const [field, value] of [
    ['batches', batches],
    ['rows', rows],
    ['features', features],
    ['classes', classes],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1 || value > 2 ** 24) {
      throw new WhittleError('invalid-argument', `${field} must be an integer from 1 to 2^24, got ${String(value)}`, { field });
    }
  }
  if (batches * rows * Math.max(features, classes) > 2 ** 26) {
    throw new WhittleError('invalid-argument', 'the task would hold more than 2^26 numbers', { field: 'rows' });
  }
  const directions = uniformValues(classes * features, 99);
  const inputs = uniformValues(batches * rows * features, seed);
  const targets = new Float32Array(batches * rows * classes);
  for (let row = 0; row < batches * rows; row++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let label = 0; label < classes; label++) {
      let score = 0;
      for (let feature = 0; feature < features; feature++)
        score += inputs[row * features + feature]! * directions[label * features + feature]!;
      if (score > bestScore) [best, bestScore] = [label, score];
    }
    targets[row * classes + best] = 1;
  }
  return Array.from({ length: batches }, (_, batch) => ({
    inputs: hostTensor('float32', [rows, features], inputs.slice(batch * rows * features, (batch + 1) * rows * features)),
    targets: hostTensor('float32', [rows, classes], targets.slice(batch * rows * classes, (batch + 1) * rows * classes)),
  }));
}

/** `length` seeded numbers uniform in [-1, 1). */
function uniformValues(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}
