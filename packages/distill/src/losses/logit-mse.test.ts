import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWhittleError, useBackend } from '@whittle/core';
import { logitMse } from './logit-mse.ts';
import { finiteDifferences, largestRelativeError } from './reference-maths.test-support.ts';

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
}, 120_000);

const referenceMse = (teacher: readonly number[], student: readonly number[]): number => teacher.reduce((sum, value, index) => sum + (value - student[index]!) ** 2, 0) / teacher.length;

describe('logitMse', () => {
  it('is the mean squared difference, with the gradient of central finite differences', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((length) =>
          fc.tuple(fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: length, maxLength: length }), fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: length, maxLength: length })),
        ),
        ([teacher, student]) => {
          tf.tidy(() => {
            const loss = logitMse();
            const teacherLogits = tf.tensor2d(teacher, [1, teacher.length]);
            expect(largestRelativeError(loss(teacherLogits, tf.tensor2d(student, [1, student.length])).dataSync(), [referenceMse(teacher, student)])).toBeLessThan(1e-5);
            const gradient = tf.grad((logits: tf.Tensor) => loss(teacherLogits, logits))(tf.tensor2d(student, [1, student.length])).dataSync();
            expect(largestRelativeError(gradient, finiteDifferences((x) => referenceMse(teacher, x), student, 1e-3))).toBeLessThan(1e-4);
          });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('refuses outputs of different shapes, naming the student', () => {
    let caught: unknown;
    try {
      logitMse()(tf.zeros([2, 3]), tf.zeros([2, 4]));
    } catch (error) {
      caught = error;
    }
    expect(isWhittleError(caught, 'invalid-argument')).toBe(true);
    expect((caught as { field: string }).field).toBe('studentOutputs');
  });
});
