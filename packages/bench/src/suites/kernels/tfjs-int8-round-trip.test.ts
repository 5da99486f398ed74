import * as tf from '@tensorflow/tfjs-core';
import { hostTensor, unpackBits, useBackend } from '@whittle/core';
import { quantizeAffine } from '@whittle/quantize';
import { expect, test } from 'vitest';
import { seededRandom } from '../../seeded-random.ts';
import { tfjsInt8RoundTrip } from './tfjs-int8-round-trip.ts';

test.each(['cpu', 'wasm'] as const)('the tfjs-ops peer on %s does the work whittle does: the same codes, up to ties', async (backend) => {
  await useBackend(backend);
  const [rows, columns] = [64, 48];
  const values = seededRandom(3).normalArray(rows * columns, 0, 0.05);
  values.fill(0, 0, rows); // a few zeros, and below an all-zero column
  for (let row = 0; row < rows; row++) values[row * columns + 5] = 0;
  const kernel = tf.tensor2d(values, [rows, columns]);
  const peer = await tfjsInt8RoundTrip(kernel);
  kernel.dispose();

  const whittle = quantizeAffine(hostTensor('float32', [rows, columns], values), {
    bits: 8,
    granularity: { kind: 'axis', axis: 1 },
  });
  const codes = unpackBits(whittle.codes, rows * columns, 8, true);
  let differing = 0;
  for (let index = 0; index < codes.length; index++) {
    const difference = Math.abs(codes[index]! - peer.codes[index]!);
    expect(difference).toBeLessThanOrEqual(1);
    differing += difference;
  }
  // Each column's largest magnitude lands on ±127.5 (a tie): whittle's scale, rounded up to a
  // float32, keeps it just inside; tfjs's may round either way. Elsewhere ties are rare.
  expect(differing).toBeLessThanOrEqual(columns + codes.length / 1000);
  expect(peer.scales[5]).toBe(1);
  for (let column = 0; column < columns; column++) {
    expect(peer.scales[column]).toBeCloseTo(whittle.scales.data[column] as number, 7);
  }
  // Half a step, plus float32 rounding of code · scale (a few ulps of a weight near 0.2).
  for (let index = 0; index < values.length; index++) {
    const scale = peer.scales[index % columns]!;
    expect(Math.abs(peer.values[index]! - values[index]!)).toBeLessThanOrEqual(scale / 2 + 1e-7);
  }
  expect(tf.memory().numTensors).toBe(0);
});
