import { float16BitsToFloat32, float32ToFloat16Bits, hostTensor, toFloat32 } from '@whittle/core';
import { describe, expect, it } from 'vitest';
import { dequantizeAffine } from './dequantize-affine.ts';
import { quantizeAffine } from './quantize-affine.ts';
import { seededRandom } from './seeded-random.ts';

// The signed-extreme grid against ggml's q4_0 maths, written here plainly in float64 (ggml's
// quantize_row_q4_0_ref): per block of 32, the value of largest magnitude (the first one of a
// tie) is `max`, d = max / −8, codes min(15, trunc(x / d + 8.5)), d stored as float16 (nearest)
// and decoded as (code − 8) · d.
function q4_0Decoded(values: Float32Array): Float32Array {
  const decoded = new Float32Array(values.length);
  for (let start = 0; start < values.length; start += 32) {
    let largest = 0;
    let extreme = 0;
    for (let index = start; index < start + 32; index++) {
      if (Math.abs(values[index]!) > largest) {
        largest = Math.abs(values[index]!);
        extreme = values[index]!;
      }
    }
    const d = extreme / -8;
    const inverse = d === 0 ? 0 : 1 / d;
    const stored = float16BitsToFloat32(float32ToFloat16Bits(d));
    for (let index = start; index < start + 32; index++) {
      const code = Math.min(15, Math.trunc(values[index]! * inverse + 8.5));
      decoded[index] = (code - 8) * stored;
    }
  }
  return decoded;
}

function sqnrDecibels(values: Float32Array, decoded: Float32Array): number {
  let signal = 0;
  let noise = 0;
  for (let index = 0; index < values.length; index++) {
    signal += values[index]! ** 2;
    noise += (values[index]! - decoded[index]!) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}

/** 2^20 seeded weights of standard deviation 0.02. */
function weights(distribution: 'gaussian' | 'laplacian'): Float32Array {
  const random = seededRandom(distribution === 'gaussian' ? 20 : 21);
  const values = new Float32Array(2 ** 20);
  for (let index = 0; index < values.length; index += 2) {
    if (distribution === 'gaussian') {
      const radius = Math.sqrt(-2 * Math.log(1 - random())) * 0.02;
      const angle = 2 * Math.PI * random();
      values[index] = radius * Math.cos(angle);
      values[index + 1] = radius * Math.sin(angle);
    } else {
      for (const offset of [0, 1]) {
        const uniform = random() - 0.5;
        // Scale b = σ / √2 gives standard deviation σ.
        values[index + offset] = (-0.02 / Math.SQRT2) * Math.sign(uniform) * Math.log(1 - 2 * Math.abs(uniform));
      }
    }
  }
  return values;
}

describe('the signed-extreme grid', () => {
  for (const [distribution, published] of [
    ['gaussian', 21.32],
    ['laplacian', 19.43],
  ] as const) {
    it(`int4 in groups of 32 on ${distribution} weights (σ = 0.02): at least ggml q4_0's SQNR, above absmax's, and the default`, () => {
      const values = weights(distribution);
      // [out, in] rows of 1024 with groups along in: ggml's blocks are these groups.
      const tensor = hostTensor('float32', [1024, 1024], values);
      const granularity = { kind: 'group', axis: 1, size: 32 } as const;
      const sqnr = (grid?: 'absmax' | 'signed-extreme') =>
        sqnrDecibels(values, toFloat32(dequantizeAffine(quantizeAffine(tensor, { bits: 4, granularity, ...(grid === undefined ? {} : { grid }) }))).data);
      const signedExtreme = sqnr('signed-extreme');
      const absmax = sqnr('absmax');
      const reference = sqnrDecibels(values, q4_0Decoded(values));
      // The reference reproduces ggml's figure on such data (measured on other seeds: 21.32 / 19.43 dB).
      expect(Math.abs(reference - published)).toBeLessThan(0.05);
      expect(signedExtreme).toBeGreaterThanOrEqual(reference);
      expect(signedExtreme).toBeGreaterThan(absmax + 0.5);
      expect(sqnr()).toBe(signedExtreme);
      console.log(`${distribution}: signed-extreme ${signedExtreme.toFixed(3)} dB, ggml q4_0 ${reference.toFixed(3)} dB, absmax ${absmax.toFixed(3)} dB`);
    });
  }

  it('decodes the extreme exactly where its stored scale is exact, and a group of zeros to zeros', () => {
    const values = new Float32Array(64);
    values.set([0.5, -0.25, 0.125, 1, -1], 0); // ±1 tie: +1 is the extreme, scale −1/8
    const encoding = quantizeAffine(hostTensor('float32', [2, 32], values), { bits: 4, granularity: { kind: 'group', axis: 1, size: 32 } });
    const decoded = toFloat32(dequantizeAffine(encoding)).data;
    expect(Array.from(decoded.subarray(0, 5))).toEqual([0.5, -0.25, 0.125, 1, -0.875]);
    expect(Array.from(decoded.subarray(32))).toEqual(new Array(32).fill(0));
  });

  it('is refused for asymmetric codes, and unknown grids are refused', () => {
    const tensor = hostTensor('float32', [2, 32]);
    const granularity = { kind: 'group', axis: 1, size: 32 } as const;
    expect(() => quantizeAffine(tensor, { bits: 4, symmetric: false, granularity, grid: 'signed-extreme' })).toThrow(
      expect.objectContaining({ code: 'invalid-argument', field: 'grid' }),
    );
    expect(() => quantizeAffine(tensor, { bits: 4, granularity, grid: 'minmax' as never })).toThrow(
      expect.objectContaining({ code: 'invalid-argument', field: 'grid' }),
    );
  });
});
