import fc from 'fast-check';
import { expect, test } from 'vitest';
import { seededRandom } from './seeded-random.ts';

test('the same seed gives the same sequence', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
      const first = seededRandom(seed).normalArray(8);
      const second = seededRandom(seed).normalArray(8);
      return first.every((value, index) => value === second[index]);
    }),
  );
});

test('different seeds give different sequences', () => {
  expect(seededRandom(1).uniform()).not.toBe(seededRandom(2).uniform());
});

test('uniforms lie in [minimum, maximum)', () => {
  const values = seededRandom(3).uniformArray(10_000, -2, 5);
  expect(values.every((value) => value >= -2 && value < 5)).toBe(true);
});

test('normals have about the asked mean and standard deviation', () => {
  const values = seededRandom(4).normalArray(100_000, 1, 0.5);
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  expect(mean).toBeCloseTo(1, 2);
  expect(Math.sqrt(variance)).toBeCloseTo(0.5, 2);
});
