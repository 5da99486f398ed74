import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.ts';
import { isWhittleError } from '../errors.ts';
import { OPTIMIZER_NAMES, optimizerByName, setLearningRate } from './optimizer-by-name.ts';

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
}, 120_000);

describe('optimizerByName', () => {
  it('makes the tfjs optimizer each name stands for', () => {
    const classes = OPTIMIZER_NAMES.map((name) => {
      const optimizer = optimizerByName(name, 0.1);
      const className = optimizer.getClassName();
      optimizer.dispose();
      return className;
    });
    expect(classes).toEqual(['Adam', 'SGD', 'RMSProp', 'Adagrad']);
    const momentum = optimizerByName('sgd', 0.1, 0.9);
    expect(momentum.getClassName()).toBe('Momentum');
    momentum.dispose();
  });

  it('changes the rate of the next step, for the optimizers that cache it (SGD) and those that do not', () => {
    // One SGD step on f(w) = w: w ← w − rate, so the step shows the rate in force.
    for (const name of ['sgd', 'adagrad', 'adam', 'rmsprop'] as const) {
      const weight = tf.variable(tf.scalar(0));
      const optimizer = optimizerByName(name, 0.5);
      setLearningRate(optimizer, 0);
      optimizer.minimize(() => tf.mul(weight, 1) as tf.Scalar, false, [weight]);
      expect(weight.dataSync()[0], name).toBeCloseTo(0, 12);
      setLearningRate(optimizer, 0.25);
      optimizer.minimize(() => tf.mul(weight, 1) as tf.Scalar, false, [weight]);
      expect(weight.dataSync()[0], name).toBeLessThan(0);
      if (name === 'sgd') expect(weight.dataSync()[0]).toBeCloseTo(-0.25, 6);
      optimizer.dispose();
      weight.dispose();
    }
  });

  it('refuses unknown names, bad rates and momentum where it does not apply', () => {
    for (const [make, field] of [
      [() => optimizerByName('lamb' as never, 0.1), 'optimizer'],
      [() => optimizerByName('adam', -1), 'learningRate'],
      [() => optimizerByName('adam', 0.1, 0.9), 'momentum'],
      [() => optimizerByName('sgd', 0.1, 1.5), 'momentum'],
    ] as const) {
      let caught: unknown;
      try {
        make();
      } catch (error) {
        caught = error;
      }
      expect(isWhittleError(caught, 'invalid-argument')).toBe(true);
      expect((caught as { field: string }).field).toBe(field);
    }
  });
});
