import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadMnistDigits, splitDigits } from '@whittle/bench';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { MNIST_CALIBRATION } from '../resources/mnist-calibration.ts';
import { loadStockLayersModel } from '../stock-layers-model.test-support.ts';
import { runRecorded } from '../test-io.ts';
import { EXAMPLE_MLP, temporaryDirectory } from '../verbs/verb-runs.test-support.ts';

let directory: { readonly path: string; readonly remove: () => Promise<void> };

beforeAll(async () => {
  await tf.setBackend('cpu');
  directory = await temporaryDirectory('whittle-quantize-uint8-');
});

afterAll(async () => {
  await directory.remove();
});

/** RMS(y − y₀) / RMS(y₀) over every output of `images`. */
function outputError(model: tfl.LayersModel, reference: tfl.LayersModel, images: tf.Tensor2D): number {
  return tf.tidy(() => {
    const expected = reference.predict(images) as tf.Tensor;
    const actual = model.predict(images) as tf.Tensor;
    return Math.sqrt(tf.sum(tf.square(tf.sub(actual, expected))).dataSync()[0]! / tf.sum(tf.square(expected)).dataSync()[0]!);
  });
}

test("--method uint8 with --data calibrates the codes: stock tfjs loads the result, and its outputs on digits the calibration never saw move at most half as far as the converter's rounding's", async () => {
  const calibrated = join(directory.path, 'calibrated');
  const nearest = join(directory.path, 'nearest');
  const withData = await runRecorded('quantize', EXAMPLE_MLP, '--method', 'uint8', '--data', 'mnist', '-o', calibrated, '--json', '--quiet');
  expect(withData.status, withData.err).toBe(0);
  expect(JSON.parse(withData.out).steps[0].kind).toBe('quantize.uint8');
  const plain = await runRecorded('quantize', EXAMPLE_MLP, '--method', 'uint8', '-o', nearest, '--quiet');
  expect(plain.status, plain.err).toBe(0);
  // Both are stock uint8 files: one min and scale per tensor, nothing else in the manifest.
  for (const written of [calibrated, nearest]) {
    const manifest = JSON.parse(await readFile(join(written, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    const kernels = manifest.weightsManifest.flatMap((group) => group.weights).filter(({ name }) => name.endsWith('kernel'));
    expect(kernels.length).toBeGreaterThan(0);
    for (const spec of kernels) expect(Object.keys(spec.quantization ?? {}).sort()).toEqual(['dtype', 'min', 'scale']);
  }

  // Held out from the same seeded split that picks `--data mnist`'s calibration digits.
  const { test: held } = splitDigits(await loadMnistDigits(), { train: MNIST_CALIBRATION.digits, test: 1000, seed: MNIST_CALIBRATION.seed });
  const images = tf.tensor2d(held.images, [held.count, 784]);
  const [float, byData, byNearest] = await Promise.all([loadStockLayersModel(EXAMPLE_MLP), loadStockLayersModel(calibrated), loadStockLayersModel(nearest)]);
  const calibratedError = outputError(byData, float, images);
  const nearestError = outputError(byNearest, float, images);
  images.dispose();
  expect(calibratedError).toBeGreaterThan(0);
  expect(calibratedError).toBeLessThanOrEqual(0.5 * nearestError);
}, 120_000);

test('--data with a uint8 rounding that measures nothing is refused, naming the flag; --rounding calibrated without data asks for it', async () => {
  const output = join(directory.path, 'refused');
  const unused = await runRecorded('quantize', EXAMPLE_MLP, '--method', 'uint8', '--rounding', 'nearest', '--data', 'mnist', '-o', output);
  expect(unused.status).toBe(1);
  expect(unused.err).toMatch(/^whittle: --data: does not apply to --method uint8 as given, which needs no data\n$/);
  const missing = await runRecorded('quantize', EXAMPLE_MLP, '--method', 'uint8', '--rounding', 'calibrated', '-o', output);
  expect(missing.status).toBe(1);
  expect(missing.err).toMatch(/^whittle: --calibration: quantize\.uint8 needs calibration data/);
  const sequentialAlone = await runRecorded('quantize', EXAMPLE_MLP, '--method', 'uint8', '--sequential', '-o', output);
  expect(sequentialAlone.err).toMatch(/^whittle: --sequential: sequential needs rounding: 'calibrated'\n$/);
});
