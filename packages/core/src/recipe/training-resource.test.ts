import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.ts';
import { WhittleError, isWhittleError } from '../errors.ts';
import { checkTrainingData, classificationLoss, inTrainingResource, requireTraining } from './training-resource.ts';

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

describe('requireTraining', () => {
  it('returns the resource when it is training data', () => {
    const training = { batches: [], loss: 'meanSquaredError' };
    expect(requireTraining({ step: 2, resources: { training } }, 'prune.gradual')).toBe(training);
  });

  it('names the step and the resource when it is missing or malformed', () => {
    const missing = (() => {
      try {
        requireTraining({ step: 3, resources: {} }, 'prune.gradual');
      } catch (error) {
        return error;
      }
    })();
    expect(isWhittleError(missing, 'missing-resource')).toBe(true);
    expect(missing).toMatchObject({ step: 3, field: 'resources.training' });
    expect((missing as Error).message).toMatch(/prune\.gradual needs the "training" resource/);
    expect(() => requireTraining({ step: 4, resources: { training: { batches: 7, loss: 'mse' } } }, 'distill')).toThrow(
      expect.objectContaining({ code: 'invalid-argument', step: 4, field: 'resources.training.batches' })
    );
  });
});

describe('inTrainingResource', () => {
  it("restates the runner's fields as the resource's and adds the step", () => {
    const cases: [string | undefined, string | undefined][] = [
      ['data[2].targets', 'resources.training.batches[2].targets'],
      ['data', 'resources.training.batches'],
      ['loss', 'resources.training.loss'],
      ['epochs', 'epochs'],
      [undefined, undefined],
    ];
    for (const [field, restated] of cases) {
      const error = inTrainingResource(new WhittleError('invalid-argument', 'bad', field === undefined ? {} : { field }), { step: 5 });
      expect(isWhittleError(error)).toBe(true);
      expect((error as WhittleError).field).toBe(restated);
      expect((error as WhittleError).step).toBe(5);
    }
  });

  it('passes errors that already name a step, and foreign errors, unchanged', () => {
    const placed = new WhittleError('invalid-argument', 'bad', { field: 'data', step: 1 });
    const foreign = new RangeError('x');
    expect(inTrainingResource(placed, { step: 5 })).toBe(placed);
    expect(inTrainingResource(foreign, { step: 5 })).toBe(foreign);
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
