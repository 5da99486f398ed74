import { isWhittleError } from '@whittle/core';
import { expect, test } from 'vitest';
import { MNIST_IMAGE_SIZE, loadMnistDigits, splitDigits } from './mnist-digits.ts';

test('loads the 10,000 bundled MNIST digits: 28 × 28 grey levels in [0, 1], every class', async () => {
  const digits = await loadMnistDigits();
  expect(digits.count).toBe(10_000);
  expect(digits.images.length).toBe(10_000 * MNIST_IMAGE_SIZE);
  expect(Math.min(...digits.images.subarray(0, 100_000))).toBe(0);
  let maximum = 0;
  for (const value of digits.images) maximum = Math.max(maximum, value);
  expect(maximum).toBeLessThanOrEqual(1);
  const perClass = new Array<number>(10).fill(0);
  for (const label of digits.labels) perClass[label]! += 1;
  for (const count of perClass) expect(count).toBeGreaterThan(800);
});

test('splits are seeded, disjoint and shuffled', async () => {
  const digits = await loadMnistDigits();
  const { train, test: held } = splitDigits(digits, { train: 100, test: 50, seed: 1 });
  expect([train.count, held.count]).toEqual([100, 50]);
  expect(splitDigits(digits, { train: 100, test: 50, seed: 1 }).train.images).toEqual(train.images);
  expect(new Set(train.labels).size).toBe(10);
  // No image of the test split is among the training ones.
  const key = (images: Float32Array, index: number) => images.subarray(index * MNIST_IMAGE_SIZE, (index + 1) * MNIST_IMAGE_SIZE).join();
  const trained = new Set(Array.from({ length: train.count }, (_, index) => key(train.images, index)));
  for (let index = 0; index < held.count; index++) expect(trained.has(key(held.images, index))).toBe(false);

  let caught: unknown;
  try {
    splitDigits(digits, { train: 9000, test: 2000, seed: 1 });
  } catch (error) {
    caught = error;
  }
  expect(isWhittleError(caught, 'invalid-argument')).toBe(true);
});
