import * as tf from '@tensorflow/tfjs-core';
import type { Model } from '@whittle/core';
import { MNIST_IMAGE_SIZE, loadMnistDigits, splitDigits } from '../quantization/mnist-digits.ts';
import { trainMnistMlp } from '../quantization/mnist-mlp.ts';
import { stockArtifactsOf } from './stock-artifacts.ts';

/** The MNIST classifier `whittle demo` trains (784 → 128 → 64 → 10, two epochs on 8,000 digits), with its 2,000 test images and 256 calibration digits from its training split. */
export interface MnistClassifier {
  readonly model: Model;
  /** `[count, 784]` test images, row after row. */
  readonly testImages: Float32Array;
  readonly testCount: number;
  /** `[calibrationCount, 784]` digits of the training split (none of the test images), for calibrated rounding. */
  readonly calibrationImages: Float32Array;
  readonly calibrationCount: number;
}

/** Training digits calibrated rounding sees: a Dense layer of 784 inputs needs more samples than a conv layer's patches give from a few images. */
const CALIBRATION_DIGITS = 256;

/**
 * Trains the demo's classifier as `whittle demo` does (the same widths, data split, epochs,
 * learning rate and seeds) on the current backend.
 *
 * @example
 * ```ts
 * const { model, testImages } = await demoMnistClassifier();
 * ```
 */
export async function demoMnistClassifier(): Promise<MnistClassifier> {
  const { train, test } = splitDigits(await loadMnistDigits(), { train: 8000, test: 2000, seed: 7 });
  const mlp = await trainMnistMlp(train, { hiddenSizes: [128, 64], epochs: 2, batchSize: 128, learningRate: 0.002, seed: 42 });
  mlp.dispose();
  const calibrationCount = Math.min(CALIBRATION_DIGITS, train.count);
  return {
    model: mlp.model,
    testImages: test.images,
    testCount: test.count,
    calibrationImages: train.images.slice(0, calibrationCount * MNIST_IMAGE_SIZE),
    calibrationCount,
  };
}

/**
 * The logits stock `tf.loadLayersModel` computes on `images` for the model whittle writes as
 * tfjs artifacts (see `stockArtifactsOf`): what a user of the written files gets.
 *
 * @example
 * ```ts
 * const logits = await stockLayersLogits(quantized, testImages, 2000);
 * ```
 */
export async function stockLayersLogits(model: Model, images: Float32Array, count: number): Promise<Float32Array[]> {
  const tfl = await import('@tensorflow/tfjs-layers');
  const layers = await tfl.loadLayersModel(tf.io.fromMemory(stockArtifactsOf(model)));
  try {
    const input = tf.tensor2d(images.subarray(0, count * MNIST_IMAGE_SIZE), [count, MNIST_IMAGE_SIZE]);
    const logits = layers.predict(input) as tf.Tensor;
    const values = Float32Array.from(await logits.data());
    tf.dispose([input, logits]);
    return [values];
  } finally {
    layers.dispose();
  }
}
