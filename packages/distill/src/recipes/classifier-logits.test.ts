import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@whittle/core';
import { classifierLogits } from './classifier-logits.ts';

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
});

/** Softmax of one row in plain maths. */
function softmax(row: readonly number[]): number[] {
  const top = Math.max(...row);
  const exps = row.map((value) => Math.exp(value - top));
  const sum = exps.reduce((total, value) => total + value, 0);
  return exps.map((value) => value / sum);
}

const rows = fc.array(fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 6 });

describe('classifierLogits', () => {
  it('gives back logits whose softmax is the probabilities, for rows that are probabilities', () => {
    fc.assert(
      fc.property(rows, (logits) => {
        const probabilities = logits.map(softmax);
        const result = classifierLogits(tf.tensor2d(probabilities));
        const back = (result.arraySync() as number[][]).map(softmax);
        result.dispose();
        back.forEach((row, index) => row.forEach((value, column) => expect(value).toBeCloseTo(Math.max(probabilities[index]![column]!, 0), 4)));
      }),
      { numRuns: 50 },
    );
  });

  it('leaves rows that are not probabilities as they are, and lets gradients through', () => {
    const logits = tf.tensor2d([[2, -1, 0.5], [0.2, 0.3, 0.5]]);
    const result = classifierLogits(logits).arraySync() as number[][];
    expect(result[0]).toEqual([2, -1, 0.5]);
    expect(result[1]!.map(Math.exp)[2]).toBeCloseTo(0.5, 5);
    const gradient = tf.grad((x: tf.Tensor) => tf.sum(classifierLogits(x)))(logits).arraySync() as number[][];
    // d/dx of x is 1 on logits rows; d/dp of log p is 1/p on probability rows.
    expect(gradient[0]).toEqual([1, 1, 1]);
    gradient[1]!.forEach((value, column) => expect(value).toBeCloseTo(1 / [0.2, 0.3, 0.5][column]!, 3));
    logits.dispose();
  });
});
