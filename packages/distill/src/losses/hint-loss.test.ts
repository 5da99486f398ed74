import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWhittleError, useBackend } from '@whittle/core';
import { hintLoss } from './hint-loss.ts';
import { finiteDifferences, largestRelativeError } from './reference-maths.test-support.ts';

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
}, 120_000);

/** mean over rows and teacher channels of (s·W + b − t)², in float64. */
function referenceHint(student: readonly number[], teacher: readonly number[], weights: readonly number[], bias: readonly number[], studentChannels: number, teacherChannels: number): number {
  const rows = student.length / studentChannels;
  let total = 0;
  for (let row = 0; row < rows; row++) {
    for (let out = 0; out < teacherChannels; out++) {
      let projected = bias[out]!;
      for (let inner = 0; inner < studentChannels; inner++) projected += student[row * studentChannels + inner]! * weights[inner * teacherChannels + out]!;
      total += (projected - teacher[row * teacherChannels + out]!) ** 2;
    }
  }
  return total / (rows * teacherChannels);
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('hintLoss', () => {
  it('is the MSE of the projected student against the teacher, on vectors and on 1×1-projected maps, with finite-difference gradients for W', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.integer({ min: 0, max: 1000 }), (studentChannels, teacherChannels, rows, maps, seed) => {
        const hint = hintLoss({ studentChannels, teacherChannels, seed });
        try {
          const student = Array.from({ length: rows * 4 * studentChannels }, (_, index) => Math.sin(index + seed));
          const teacher = Array.from({ length: rows * 4 * teacherChannels }, (_, index) => Math.cos(2 * index + seed));
          const [weightsVariable, biasVariable] = hint.trainableVariables as [tf.Variable, tf.Variable];
          expect(weightsVariable.shape).toEqual([studentChannels, teacherChannels]);
          expect(biasVariable.shape).toEqual([teacherChannels]);
          const weights = [...weightsVariable.dataSync()];
          const bias = [...biasVariable.dataSync()];
          const studentShape = maps ? [rows, 2, 2, studentChannels] : [rows * 4, studentChannels];
          const teacherShape = maps ? [rows, 2, 2, teacherChannels] : [rows * 4, teacherChannels];
          tf.tidy(() => {
            const teacherTensor = tf.tensor(teacher, teacherShape);
            const studentTensor = tf.tensor(student, studentShape);
            const expected = referenceHint(student, teacher, weights, bias, studentChannels, teacherChannels);
            expect(largestRelativeError(hint(teacherTensor, studentTensor).dataSync(), [expected])).toBeLessThan(1e-5);
            const { grads } = tf.variableGrads(() => hint(teacherTensor, studentTensor), [weightsVariable]);
            const expectedGradient = finiteDifferences((x) => referenceHint(student, teacher, x, bias, studentChannels, teacherChannels), weights);
            expect(largestRelativeError(grads[weightsVariable.name]!.dataSync(), expectedGradient)).toBeLessThan(1e-4);
          });
        } finally {
          hint.dispose!();
        }
      }),
      { numRuns: 30 },
    );
  });

  it('starts the same from the same seed, and frees its variables on dispose', () => {
    const before = tf.memory().numTensors;
    const first = hintLoss({ studentChannels: 3, teacherChannels: 5, seed: 7 });
    const second = hintLoss({ studentChannels: 3, teacherChannels: 5, seed: 7 });
    expect([...first.trainableVariables![0]!.dataSync()]).toEqual([...second.trainableVariables![0]!.dataSync()]);
    first.dispose!();
    second.dispose!();
    expect(tf.memory().numTensors).toBe(before);
    expect(isWhittleError(thrown(() => first(tf.zeros([1, 5]), tf.zeros([1, 3]))), 'invalid-argument')).toBe(true);
  });

  it('refuses bad options and mismatched activations with WhittleErrors naming the field', () => {
    const hint = hintLoss({ studentChannels: 3, teacherChannels: 5 });
    const cases: [() => unknown, string][] = [
      [() => hintLoss({ studentChannels: 0, teacherChannels: 5 }), 'studentChannels'],
      [() => hintLoss({ studentChannels: 3, teacherChannels: 1e12 }), 'teacherChannels'],
      [() => hintLoss({ studentChannels: 3, teacherChannels: 5, seed: 0.5 }), 'seed'],
      [() => hintLoss(undefined as never), 'options'],
      [() => hintLoss({ studentChannels: 3, teacherChannels: 5, outputs: 'first' as never }), 'outputs'],
      [() => hint(tf.zeros([2, 5]), tf.zeros([2, 4])), 'studentOutputs'],
      [() => hint(tf.zeros([2, 6]), tf.zeros([2, 3])), 'teacherOutputs'],
      [() => hint(tf.zeros([2, 5]), tf.zeros([3, 3])), 'studentOutputs'],
      [() => hint(tf.zeros([1, 2, 2, 5]), tf.zeros([1, 4, 4, 3])), 'studentOutputs'],
    ];
    for (const [action, field] of cases) {
      const error = thrown(action);
      expect(isWhittleError(error, 'invalid-argument'), String(error)).toBe(true);
      expect((error as { field: string }).field).toBe(field);
    }
    hint.dispose!();
  });
});
