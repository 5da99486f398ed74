import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWhittleError, useBackend } from '@whittle/core';
import { hintonLoss, softTargetDivergence } from './hinton-loss.ts';
import { finiteDifferences, largestRelativeError, referenceDivergence, referenceHinton } from './reference-maths.test-support.ts';

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
}, 120_000);

/** A small batch of logits with labels, and a temperature and α. */
const problem = fc
  .record({ rows: fc.integer({ min: 1, max: 4 }), classes: fc.integer({ min: 2, max: 6 }) })
  .chain(({ rows, classes }) =>
    fc.record({
      rows: fc.constant(rows),
      classes: fc.constant(classes),
      teacher: fc.array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: rows * classes, maxLength: rows * classes }),
      student: fc.array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: rows * classes, maxLength: rows * classes }),
      labels: fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: rows, maxLength: rows }),
      temperature: fc.double({ min: 0.5, max: 10, noNaN: true }),
      alpha: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  );

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('hintonLoss', () => {
  it('matches the formula computed in float64, and its gradient matches central finite differences of it', () => {
    fc.assert(
      fc.property(problem, ({ rows, classes, teacher, student, labels, temperature, alpha }) => {
        const loss = hintonLoss({ temperature, alpha });
        const teacherLogits = tf.tensor2d(teacher, [rows, classes]);
        const studentLogits = tf.tensor2d(student, [rows, classes]);
        const labelTensor = tf.tensor1d(labels, 'int32');
        try {
          const expected = referenceHinton(teacher, student, labels, classes, temperature, alpha);
          const value = loss(teacherLogits, studentLogits, labelTensor);
          expect(largestRelativeError(value.dataSync(), [expected])).toBeLessThan(1e-4);
          value.dispose();
          const gradient = tf.grad((logits: tf.Tensor) => loss(teacherLogits, logits, labelTensor))(studentLogits);
          const expectedGradient = finiteDifferences((x) => referenceHinton(teacher, x, labels, classes, temperature, alpha), student);
          expect(largestRelativeError(gradient.dataSync(), expectedGradient)).toBeLessThan(1e-4);
          gradient.dispose();
        } finally {
          tf.dispose([teacherLogits, studentLogits, labelTensor]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('takes one-hot labels the same as class indices', () => {
    const teacher = tf.tensor2d([[1, 2, 3], [0, -1, 4]]);
    const student = tf.tensor2d([[0.5, 0, 1], [2, 1, 0]]);
    const loss = hintonLoss({ temperature: 3, alpha: 0.5 });
    const byIndex = loss(teacher, student, tf.tensor1d([2, 0], 'int32')).dataSync()[0]!;
    const byOneHot = loss(teacher, student, tf.tensor2d([[0, 0, 1], [1, 0, 0]])).dataSync()[0]!;
    expect(byOneHot).toBeCloseTo(byIndex, 6);
    expect(byIndex).toBeCloseTo(referenceHinton([1, 2, 3, 0, -1, 4], [0.5, 0, 1, 2, 1, 0], [2, 0], 3, 3, 0.5), 5);
  });

  it('KL is ≥ 0, and 0 when the logits are equal', () => {
    fc.assert(
      fc.property(problem, ({ rows, classes, teacher, student, temperature }) => {
        const value = tf.tidy(() => softTargetDivergence(tf.tensor2d(teacher, [rows, classes]), tf.tensor2d(student, [rows, classes]), temperature).dataSync()[0]!);
        expect(value).toBeGreaterThanOrEqual(-1e-6);
        expect(value).toBeCloseTo(referenceDivergence(teacher, student, classes, temperature), 4);
        const same = tf.tidy(() => hintonLoss({ temperature, alpha: 0 })(tf.tensor2d(teacher, [rows, classes]), tf.tensor2d(teacher, [rows, classes])).dataSync()[0]!);
        expect(Math.abs(same)).toBeLessThan(1e-4);
      }),
      { numRuns: 60 },
    );
  });

  it('scales the soft term by T², which keeps its gradient the same size as T grows', () => {
    fc.assert(
      fc.property(problem, ({ rows, classes, teacher, student, temperature }) => {
        tf.tidy(() => {
          const teacherLogits = tf.tensor2d(teacher, [rows, classes]);
          const studentLogits = tf.tensor2d(student, [rows, classes]);
          const soft = hintonLoss({ temperature, alpha: 0 })(teacherLogits, studentLogits).dataSync()[0]!;
          const divergence = referenceDivergence(teacher, student, classes, temperature);
          expect(largestRelativeError([soft], [temperature * temperature * divergence])).toBeLessThan(1e-4);
        });
      }),
      { numRuns: 40 },
    );
    // For large T, T²·∂KL/∂z_s tends to (z_s − z_t − mean difference) / classes per row / rows: the
    // same whatever T.
    const teacher = [1, -2, 0.5, 3];
    const student = [0, 1, -1, 2];
    const gradientAt = (temperature: number): Float32Array | Int32Array | Uint8Array =>
      tf.tidy(() => tf.grad((logits: tf.Tensor) => hintonLoss({ temperature, alpha: 0 })(tf.tensor2d(teacher, [1, 4]), logits))(tf.tensor2d(student, [1, 4])).dataSync());
    const limit = student.map((value, index) => value - teacher[index]!);
    const mean = limit.reduce((sum, value) => sum + value, 0) / 4;
    const expected = limit.map((value) => (value - mean) / 4);
    expect(largestRelativeError(gradientAt(300), expected)).toBeLessThan(2e-3);
    expect(largestRelativeError(gradientAt(1000), expected)).toBeLessThan(1e-3);
  });

  it('stays finite for logits of ±1e4, value and gradient', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(-1e4, 1e4, 0, 9999.5), { minLength: 6, maxLength: 6 }),
        fc.array(fc.constantFrom(-1e4, 1e4, 0, -9999.5), { minLength: 6, maxLength: 6 }),
        fc.double({ min: 1, max: 20, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (teacher, student, temperature, alpha) => {
          tf.tidy(() => {
            const loss = hintonLoss({ temperature, alpha });
            const labels = tf.tensor1d([0, 2], 'int32');
            const teacherLogits = tf.tensor2d(teacher, [2, 3]);
            const value = loss(teacherLogits, tf.tensor2d(student, [2, 3]), labels).dataSync()[0]!;
            expect(Number.isFinite(value)).toBe(true);
            const gradient = tf.grad((logits: tf.Tensor) => loss(teacherLogits, logits, labels))(tf.tensor2d(student, [2, 3])).dataSync();
            expect([...gradient].every(Number.isFinite)).toBe(true);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses bad options and inputs with one-line WhittleErrors naming the field', () => {
    const cases: [() => unknown, string][] = [
      [() => hintonLoss({ temperature: 0 }), 'temperature'],
      [() => hintonLoss({ temperature: Number.NaN }), 'temperature'],
      [() => hintonLoss({ alpha: 1.5 }), 'alpha'],
      [() => hintonLoss({ alpha: -0.1 }), 'alpha'],
      [() => hintonLoss(null as never), 'options'],
      [() => hintonLoss({ outputs: { teacher: 0.5 } }), 'outputs.teacher'],
      [() => hintonLoss({ alpha: 0.5 })(tf.zeros([2, 3]), tf.zeros([2, 3])), 'labels'],
      [() => hintonLoss()(tf.zeros([2, 3]), tf.zeros([2, 4]), tf.zeros([2, 4])), 'studentOutputs'],
      [() => hintonLoss()(tf.zeros([2, 3, 1]), tf.zeros([2, 3, 1])), 'teacherOutputs'],
      [() => hintonLoss()(tf.zeros([2, 3]), tf.zeros([2, 3]), tf.tensor1d([0, 3], 'int32')), 'labels'],
      [() => hintonLoss()(tf.zeros([2, 3]), tf.zeros([2, 3]), tf.zeros([3])), 'labels'],
      [() => hintonLoss()(tf.zeros([2, 3]), [] as never), 'studentOutputs'],
      [() => hintonLoss()(tf.zeros([2, 3]), 'logits' as never), 'studentOutputs'],
    ];
    for (const [action, field] of cases) {
      const error = thrown(action);
      expect(isWhittleError(error, 'invalid-argument'), String(error)).toBe(true);
      expect((error as { field: string }).field).toBe(field);
      expect(String(error)).not.toContain('\n');
    }
  });

  it('picks the chosen outputs of multi-output models', () => {
    tf.tidy(() => {
      const loss = hintonLoss({ temperature: 2, alpha: 0 });
      const teacher = tf.tensor2d([[1, 2, 3]]);
      const student = tf.tensor2d([[3, 2, 1]]);
      const direct = loss(teacher, student).dataSync()[0]!;
      expect(loss([tf.zeros([1, 7]), teacher], [tf.zeros([1, 5]), student]).dataSync()[0]).toBeCloseTo(direct, 6);
      expect(hintonLoss({ temperature: 2, alpha: 0, outputs: { teacher: 0, student: 1 } })([teacher, tf.zeros([1, 7])], [tf.zeros([1, 5]), student]).dataSync()[0]).toBeCloseTo(direct, 6);
    });
  });
});
