import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.ts';
import { isWhittleError } from '../errors.ts';
import { checkTrainingData, classificationLoss } from './training-resource.ts';

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
}, 120_000);

describe('checkTrainingData', () => {
  it('accepts batches with a loss and names the field of anything else', () => {
    expect(() => checkTrainingData({ batches: [], loss: 'meanSquaredError' })).not.toThrow();
    const cases: [unknown, RegExp][] = [
      [null, /resources\.training$/],
      [{ batches: 'x', loss: 'meanSquaredError' }, /resources\.training\.batches/],
      [{ batches: [], loss: '' }, /resources\.training\.loss/],
    ];
    for (const [value, field] of cases) {
      let caught: unknown;
      try {
        checkTrainingData(value);
      } catch (error) {
        caught = error;
      }
      expect(isWhittleError(caught) && caught.field).toMatch(field);
    }
  });
});

describe('classificationLoss', () => {
  /** -log of the target class's probability, in plain float64 maths. */
  function reference(targets: number[][], outputs: number[][], logits: boolean): number {
    let total = 0;
    outputs.forEach((row, index) => {
      const probabilities = logits ? softmax(row) : row;
      total -= Math.log(Math.max(1e-7, probabilities[targets[index]!.indexOf(1)]!));
    });
    return total / outputs.length;
  }
  function softmax(row: number[]): number[] {
    const top = Math.max(...row);
    const exps = row.map((value) => Math.exp(value - top));
    const sum = exps.reduce((a, b) => a + b, 0);
    return exps.map((value) => value / sum);
  }

  it('scores softmax rows as probabilities and any other rows as logits, in one batch', () => {
    const targets = [
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ];
    const outputs = [
      [0.2, 0.7, 0.1],
      [2, -1, 0.5],
      [0.3, 0.3, 0.4],
    ];
    const loss = tf.tidy(() => classificationLoss(tf.tensor2d(targets), tf.tensor2d(outputs)).dataSync()[0]!);
    const expected =
      (reference([targets[0]!], [outputs[0]!], false) + reference([targets[1]!], [outputs[1]!], true) + reference([targets[2]!], [outputs[2]!], false)) / 3;
    expect(loss).toBeCloseTo(expected, 5);
  });

  it('gives finite gradients for logits and probabilities alike', () => {
    const gradient = tf.tidy(() =>
      tf.grad((outputs: tf.Tensor) => classificationLoss(tf.tensor2d([[0, 1, 0], [1, 0, 0]]), outputs))(tf.tensor2d([[0.2, 0.8, 0], [5, -3, 1]])).arraySync() as number[][],
    );
    expect(gradient.flat().every(Number.isFinite)).toBe(true);
    // Softmax cross-entropy from logits: softmax − one-hot, over the batch of 2.
    const expected = softmax([5, -3, 1]).map((value, index) => (value - (index === 0 ? 1 : 0)) / 2);
    gradient[1]!.forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, 5));
    // −log p of the target class: −1/p there, 0 elsewhere, over the batch of 2.
    [0, -1 / 0.8 / 2, 0].forEach((value, index) => expect(gradient[0]![index]).toBeCloseTo(value, 5));
  });
});
