/**
 * The quantizers are typed-array code, independent of the tfjs backend. This checks them against
 * a reference written in tfjs ops (`tf.round`, `tf.clipByValue`) on the cpu and wasm backends:
 * the same codes, except where a value sits on a rounding tie (float32 there, float64 here).
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostTensor, useBackend, type Granularity } from '@whittle/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { elementParams } from './affine-test-helpers.ts';
import { quantizationRange } from './quantization-range.ts';
import { quantizeAffine } from './quantize-affine.ts';

afterAll(async () => {
  await useBackend('cpu');
});

/** Codes by tfjs ops, from each element's scale and zero point. */
function tfjsCodes(values: Float32Array, scales: Float64Array, zeroPoints: Float64Array, qmin: number, qmax: number): Int32Array {
  return tf.tidy(() => {
    const scaled = tf.div(tf.tensor1d(values), tf.tensor1d(Float32Array.from(scales)));
    const codes = tf.clipByValue(tf.add(tf.round(scaled), tf.tensor1d(Float32Array.from(zeroPoints))), qmin, qmax);
    return Int32Array.from(codes.dataSync());
  });
}

const caseArbitrary = fc.record({
  rows: fc.integer({ min: 1, max: 12 }),
  columns: fc.integer({ min: 1, max: 12 }),
  bits: fc.constantFrom(2, 4, 8, 16),
  symmetric: fc.boolean(),
  granularity: fc.constantFrom<Granularity>({ kind: 'tensor' }, { kind: 'axis', axis: 1 }, { kind: 'group', axis: 0, size: 4 }),
  seed: fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: 144, maxLength: 144 }),
});

describe.each(['cpu', 'wasm'] as const)('codes against tfjs ops on the %s backend', (backend) => {
  it('agree away from rounding ties', async () => {
    await useBackend(backend);
    expect(tf.getBackend()).toBe(backend);
    let compared = 0;
    fc.assert(
      fc.property(caseArbitrary, ({ rows, columns, bits, symmetric, granularity, seed }) => {
        const values = Float32Array.from(seed.slice(0, rows * columns));
        const encoding = quantizeAffine(hostTensor('float32', [rows, columns], values), { bits, symmetric, granularity, scaleDType: 'float32' });
        const { codes, scales, zeroPoints } = elementParams(encoding);
        const { qmin, qmax } = quantizationRange(bits, symmetric);
        const reference = tfjsCodes(values, scales, zeroPoints, qmin, qmax);
        for (let index = 0; index < values.length; index++) {
          const ratio = values[index]! / scales[index]!;
          // A tie within float32's precision of the ratio may round either way.
          if (Math.abs(Math.abs(ratio - Math.trunc(ratio)) - 0.5) < Math.max(1e-4, Math.abs(ratio) * 2 ** -20)) continue;
          expect(codes[index]).toBe(reference[index]);
          compared++;
        }
      }),
      { numRuns: 60 },
    );
    expect(compared).toBeGreaterThan(1000);
  });
});
