/**
 * `--data mnist`: MNIST digits from `@whittle/bench` as GPTQ's calibration, for models that take
 * flat 784-pixel images.
 */
import type { Digits } from '@whittle/bench';
import type { Batch } from '@whittle/core/runner';
import { loadBench } from '../load-bench.ts';

/** How many digits `--data mnist` calibrates on, and the seed of the shuffle that picks them. */
export const MNIST_CALIBRATION = { digits: 512, seed: 7 } as const;

/** The datasets `--data` names. */
export const DATA_NAMES = ['mnist'] as const;

/** One of {@link DATA_NAMES}. */
export type DataName = (typeof DATA_NAMES)[number];

/**
 * Model-input batches of {@link MNIST_CALIBRATION}'s digits (`[rows, 784]` grey levels in 0–1,
 * with their labels as targets), from `digits` (all 10,000; loaded from the optional
 * `@whittle/bench` package when not given).
 *
 * @example
 * ```ts
 * const calibration = await mnistCalibration();
 * ```
 */
export async function mnistCalibration(digits?: Digits): Promise<Batch[]> {
  const { digitBatches, loadMnistDigits, splitDigits } = await loadBench('compress --data mnist');
  const { train } = splitDigits(digits ?? (await loadMnistDigits()), { train: MNIST_CALIBRATION.digits, test: 0, seed: MNIST_CALIBRATION.seed });
  return digitBatches(train);
}
