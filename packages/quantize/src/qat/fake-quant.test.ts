import * as tf from '@tensorflow/tfjs-core';
import { decode, hostTensor, useBackend, type Granularity } from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseQParams, dequantizeAffine, quantizeAffine, quantizeValue } from '../primitives/index.ts';
import { fakeQuant, fakeQuantEncoding, type FakeQuantOptions } from './fake-quant.ts';

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
});

const granularities: Granularity[] = [
  { kind: 'tensor' },
  { kind: 'axis', axis: 0 },
  { kind: 'axis', axis: 1 },
  { kind: 'group', axis: 0, size: 3 },
  { kind: 'group', axis: 1, size: 4 },
];

const cases = fc.record({
  rows: fc.integer({ min: 1, max: 9 }),
  columns: fc.integer({ min: 1, max: 9 }),
  bits: fc.integer({ min: 2, max: 8 }),
  symmetric: fc.boolean(),
  granularity: fc.constantFrom(...granularities),
  // Subnormal floats are left out: backends may flush them to zero.
  seed: fc
    .array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: 81, maxLength: 81 })
    .map((values) => values.map((value) => (Math.abs(value) < 1e-30 ? 0 : value))),
});

describe('fakeQuant', () => {
  it('forward equals quantize → dequantize with the scales it chose, and its encoding decodes to it', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ({ rows, columns, bits, symmetric, granularity, seed }) => {
        const values = Float32Array.from(seed.slice(0, rows * columns));
        const x = tf.tensor2d(values, [rows, columns]);
        const options: FakeQuantOptions = { bits, symmetric, granularity };
        const forward = fakeQuant(x, options);
        const output = await forward.data();
        const encoding = await fakeQuantEncoding(x, options);
        tf.dispose([x, forward]);
        expect(encoding).toMatchObject({ bits, signed: symmetric, shape: [rows, columns] });
        expect(decode(encoding).data).toStrictEqual(output);
        // The same values, element by element, from the package's scalar quantizer.
        const scales = decode({ kind: 'dense', tensor: encoding.scales }).data;
        const zeroPoints = encoding.zeroPoints?.data;
        const { qmin, qmax } = chooseQParams(0, 1, { bits, symmetric });
        const reference = dequantizeAffine(encoding).data;
        expect(reference).toStrictEqual(output);
        for (let index = 0; index < values.length; index++) {
          const slot = scaleSlot(granularity, rows, columns, index);
          const scale = scales[slot]!;
          const zeroPoint = zeroPoints?.[slot] ?? 0;
          const code = quantizeValue(values[index]!, scale, zeroPoint, qmin, qmax);
          const expected = Math.fround((code - zeroPoint) * scale);
          // tfjs divides in float32, the scalar reference in float64: a value within float32
          // rounding of a half step (the largest magnitude, symmetric, always is) may round to
          // the other neighbour; anywhere else they agree exactly.
          if (nearTie(values[index]!, scale)) expect(Math.abs(expected - output[index]!)).toBeLessThanOrEqual(scale * 1.0001);
          else expect(output[index]).toBe(expected);
        }
      }),
      { numRuns: 120 },
    );
  });

  it('chooses the scales quantizeAffine chooses (to float32 rounding)', () => {
    fc.assert(
      fc.property(cases, ({ rows, columns, bits, symmetric, granularity, seed }) => {
        const values = Float32Array.from(seed.slice(0, rows * columns));
        const host = hostTensor('float32', [rows, columns], values);
        // Fake quantization uses the absmax grid (symmetric 4-bit groups default to another).
        const reference = quantizeAffine(host, { bits, symmetric, granularity, scaleDType: 'float32', grid: 'absmax' });
        const output = tf.tidy(() => fakeQuant(tf.tensor2d(values, [rows, columns]), { bits, symmetric, granularity }).dataSync());
        const expected = dequantizeAffine(reference).data;
        const steps = decode({ kind: 'dense', tensor: reference.scales }).data;
        const levels = 2 ** bits;
        // Scales agree to a float32 rounding, so values agree to a few ulps, except where that
        // rounding tips a tie the other way (by one step).
        expected.forEach((value, index) => {
          const step = steps[scaleSlot(granularity, rows, columns, index)]!;
          if (Math.abs(value - output[index]!) <= 1e-6 * step * levels) return;
          expect(nearTie(values[index]!, step)).toBe(true);
          expect(Math.abs(value - output[index]!)).toBeLessThanOrEqual(step * 1.0001);
        });
      }),
      { numRuns: 120 },
    );
  });

  it('passes the gradient straight through inside the clipping range and blocks it outside', () => {
    const x = tf.tensor1d([-2, -1, -0.5, 0, 0.3, 0.99, 1, 1.5]);
    const clipped = tf.grad((input: tf.Tensor) => tf.sum(fakeQuant(input, { bits: 4, range: { minimum: -1, maximum: 1 } })));
    expect(Array.from(clipped(x).dataSync())).toStrictEqual([0, 1, 1, 1, 1, 1, 1, 0]);
    const asymmetric = tf.grad((input: tf.Tensor) =>
      tf.sum(fakeQuant(input, { bits: 3, symmetric: false, range: { minimum: -0.5, maximum: 1 } })),
    );
    expect(Array.from(asymmetric(x).dataSync())).toStrictEqual([0, 0, 1, 1, 1, 1, 1, 0]);
    // Without a fixed range the scale covers every value: the gradient is the identity.
    const weights = tf.randomNormal([6, 5]);
    const upstream = tf.randomNormal([6, 5]);
    const dynamic = tf.grad((input: tf.Tensor) =>
      tf.sum(tf.mul(fakeQuant(input, { bits: 2, granularity: { kind: 'axis', axis: 1 } }), upstream)),
    );
    expect(dynamic(weights).dataSync()).toStrictEqual(upstream.dataSync());
    // The forward value clips where the gradient is blocked.
    const forward = fakeQuant(x, { bits: 4, range: { minimum: -1, maximum: 1 } }).dataSync();
    expect(forward[7]).toBe(forward[6]);
    expect(forward[6]).toBeCloseTo(14 / 15, 6); // 1 is half a step above the largest code, 7 · 2/15
    expect(forward[0]).toBeCloseTo(-16 / 15, 6); // -8 · 2/15
    tf.dispose([x, weights, upstream]);
  });

  it('leaks no tensors, with or without a tape', () => {
    const x = tf.randomNormal([4, 7]);
    const before = tf.memory().numTensors;
    fakeQuant(x, { bits: 4, granularity: { kind: 'group', axis: 1, size: 3 } }).dispose();
    tf.grad((input: tf.Tensor) => tf.sum(fakeQuant(input, { bits: 4 })))(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('keeps zero exact and an all-zero tensor zero', () => {
    const zeros = fakeQuant(tf.zeros([3, 2]), { bits: 3, symmetric: false }).dataSync();
    expect(Array.from(zeros)).toStrictEqual([0, 0, 0, 0, 0, 0]);
    const mixed = fakeQuant(tf.tensor1d([0, 0.7, 2.3]), { bits: 3, symmetric: false }).dataSync();
    expect(mixed[0]).toBe(0);
  });

  it('rejects bad options, naming the field', () => {
    const x = tf.zeros([2, 2]);
    for (const [options, field] of [
      [{ bits: 1 }, 'bits'],
      [{ bits: 9 }, 'bits'],
      [{ bits: 4, symmetric: 'no' }, 'symmetric'],
      [{ bits: 4, granularity: { kind: 'axis', axis: 2 } }, 'granularity.axis'],
      [{ bits: 4, granularity: { kind: 'group', axis: 0, size: 0 } }, 'granularity.size'],
      [{ bits: 4, granularity: { kind: 'row' } }, 'granularity.kind'],
      [{ bits: 4, range: { minimum: 1, maximum: 0 } }, 'range'],
    ] as const) {
      expect(() => fakeQuant(x, options as unknown as FakeQuantOptions)).toThrow(
        expect.objectContaining({ code: 'invalid-argument', field }),
      );
    }
    x.dispose();
  });
});

/** True when value / scale lies within float32 rounding of a half-integer. */
function nearTie(value: number, scale: number): boolean {
  const ratio = Math.abs(value / scale);
  return Math.abs(ratio - Math.trunc(ratio) - 0.5) < 1e-5 * Math.max(1, ratio);
}

/** The index of the scale element `index` of a `[rows, columns]` tensor uses. */
function scaleSlot(granularity: Granularity, rows: number, columns: number, index: number): number {
  const row = Math.floor(index / columns);
  const column = index % columns;
  switch (granularity.kind) {
    case 'tensor':
      return 0;
    case 'axis':
      return granularity.axis === 0 ? row : column;
    case 'group':
      return granularity.axis === 0
        ? Math.floor(row / granularity.size) * columns + column
        : row * Math.ceil(columns / granularity.size) + Math.floor(column / granularity.size);
  }
}
