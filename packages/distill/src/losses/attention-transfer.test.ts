import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWhittleError, useBackend } from '@whittle/core';
import { attentionTransfer } from './attention-transfer.ts';
import { finiteDifferences, largestRelativeError } from './reference-maths.test-support.ts';

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
}, 120_000);

/** Normalised Σ_c a² per sample of NHWC maps, in float64. */
function referenceAttention(maps: readonly number[], batch: number, positions: number, channels: number): number[][] {
  const result: number[][] = [];
  for (let sample = 0; sample < batch; sample++) {
    const energy: number[] = [];
    for (let position = 0; position < positions; position++) {
      let sum = 0;
      for (let channel = 0; channel < channels; channel++) sum += maps[(sample * positions + position) * channels + channel]! ** 2;
      energy.push(sum);
    }
    const norm = Math.sqrt(energy.reduce((total, value) => total + value * value, 0) + 1e-12);
    result.push(energy.map((value) => value / norm));
  }
  return result;
}

/** β/2 · mean over samples and positions of (Q_s − Q_t)². */
function referenceTransfer(teacher: readonly number[], student: readonly number[], batch: number, positions: number, teacherChannels: number, studentChannels: number, beta: number): number {
  const teacherAttention = referenceAttention(teacher, batch, positions, teacherChannels);
  const studentAttention = referenceAttention(student, batch, positions, studentChannels);
  let total = 0;
  for (let sample = 0; sample < batch; sample++) for (let position = 0; position < positions; position++) total += (studentAttention[sample]![position]! - teacherAttention[sample]![position]!) ** 2;
  return (beta / 2) * (total / (batch * positions));
}

describe('attentionTransfer', () => {
  it('matches the paper’s normalised Σ|A|² maps compared in L2, with finite-difference gradients', () => {
    fc.assert(
      fc.property(
        fc.record({ batch: fc.integer({ min: 1, max: 2 }), height: fc.integer({ min: 1, max: 3 }), width: fc.integer({ min: 2, max: 3 }), teacherChannels: fc.integer({ min: 1, max: 4 }), studentChannels: fc.integer({ min: 1, max: 3 }), seed: fc.integer({ min: 0, max: 100 }), beta: fc.double({ min: 0.5, max: 1000, noNaN: true }) }),
        ({ batch, height, width, teacherChannels, studentChannels, seed, beta }) => {
          const positions = height * width;
          const teacher = Array.from({ length: batch * positions * teacherChannels }, (_, index) => Math.sin(3 * index + seed) + 0.2);
          const student = Array.from({ length: batch * positions * studentChannels }, (_, index) => Math.cos(5 * index + seed) - 0.1);
          tf.tidy(() => {
            const loss = attentionTransfer({ beta });
            const teacherMaps = tf.tensor4d(teacher, [batch, height, width, teacherChannels]);
            const expected = referenceTransfer(teacher, student, batch, positions, teacherChannels, studentChannels, beta);
            expect(largestRelativeError(loss(teacherMaps, tf.tensor4d(student, [batch, height, width, studentChannels])).dataSync(), [expected])).toBeLessThan(1e-4);
            const gradient = tf.grad((maps: tf.Tensor) => loss(teacherMaps, maps))(tf.tensor4d(student, [batch, height, width, studentChannels])).dataSync();
            const expectedGradient = finiteDifferences((x) => referenceTransfer(teacher, x, batch, positions, teacherChannels, studentChannels, beta), student, 1e-6);
            const scale = Math.max(1, ...expectedGradient.map(Math.abs));
            expect(largestRelativeError(gradient, expectedGradient) / scale).toBeLessThan(1e-3);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('is 0 for maps with the same attention and finite for all-zero maps', () => {
    tf.tidy(() => {
      const maps = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
      expect(attentionTransfer()(maps, tf.mul(maps, 3)).dataSync()[0]).toBeCloseTo(0, 6);
      const value = attentionTransfer()(tf.zeros([1, 2, 2, 2]), maps).dataSync()[0]!;
      expect(Number.isFinite(value)).toBe(true);
    });
  });

  it('refuses non-map tensors and different spatial sizes, naming the field', () => {
    for (const [teacher, student, field] of [
      [[1, 2, 2], [1, 2, 2, 1], 'teacherOutputs'],
      [[1, 2, 2, 3], [1, 3, 2, 3], 'studentOutputs'],
      [[2, 2, 2, 3], [1, 2, 2, 3], 'studentOutputs'],
    ] as const) {
      let caught: unknown;
      try {
        attentionTransfer()(tf.zeros([...teacher]), tf.zeros([...student]));
      } catch (error) {
        caught = error;
      }
      expect(isWhittleError(caught, 'invalid-argument')).toBe(true);
      expect((caught as { field: string }).field).toBe(field);
    }
    let caught: unknown;
    try {
      attentionTransfer({ beta: -1 });
    } catch (error) {
      caught = error;
    }
    expect((caught as { field: string }).field).toBe('beta');
  });
});
