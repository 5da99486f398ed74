import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  bfloat16ArrayToFloat32,
  bfloat16BitsToFloat32,
  float16ArrayToFloat32,
  float16BitsToFloat32,
  float32ArrayToBfloat16,
  float32ArrayToFloat16,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from './half.ts';

const allSixteenBitPatterns = Array.from({ length: 65536 }, (_, bits) => bits);
const isNaNHalf = (bits: number) => (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;
const isNaNBfloat = (bits: number) => (bits & 0x7f80) === 0x7f80 && (bits & 0x7f) !== 0;

describe('float16', () => {
  test('every non-NaN half survives a round trip through float32 bit-exactly', () => {
    for (const bits of allSixteenBitPatterns) {
      const value = float16BitsToFloat32(bits);
      if (isNaNHalf(bits)) expect(Number.isNaN(value)).toBe(true);
      else expect(float32ToFloat16Bits(value)).toBe(bits);
    }
  });

  test('conversion picks the nearest half, ties to even', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, min: -65504, max: 65504 }), (value) => {
        const magnitudeBits = float32ToFloat16Bits(value) & 0x7fff;
        const error = Math.abs(float16BitsToFloat32(magnitudeBits) - Math.abs(value));
        // No neighbouring finite half is strictly closer to |value|.
        for (const neighbour of [magnitudeBits - 1, magnitudeBits + 1]) {
          if (neighbour < 0 || neighbour > 0x7bff) continue;
          expect(error).toBeLessThanOrEqual(Math.abs(float16BitsToFloat32(neighbour) - Math.abs(value)));
        }
      }),
    );
  });

  test('known values: overflow, underflow, ties, specials', () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // rounds up to infinity
    expect(float32ToFloat16Bits(1e-8)).toBe(0); // below half the smallest subnormal
    expect(float32ToFloat16Bits(2 ** -24)).toBe(1); // smallest subnormal
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie to even (down)
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie to even (up)
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(Infinity)).toBe(0x7c00);
    expect(isNaNHalf(float32ToFloat16Bits(Number.NaN))).toBe(true);
  });

  test('the array form agrees with the scalar form across every exponent and rounding boundary', () => {
    const words = new Uint32Array(1 << 20);
    for (let index = 0; index < words.length; index++) words[index] = Math.imul(index, 4099) >>> 0;
    const edges = [0x38800000, 0x387fffff, 0x477fefff, 0x477ff000, 0x33000000, 0x33000001, 0x7f800000, 0x7fc00000];
    words.set(edges.flatMap((edge) => [edge, (edge | 0x80000000) >>> 0, edge + 0x1000, edge - 0x1000]).map((word) => word >>> 0));
    const values = new Float32Array(words.buffer);
    const bits = float32ArrayToFloat16(values);
    for (let index = 0; index < values.length; index++) {
      if (bits[index] !== float32ToFloat16Bits(values[index]!)) {
        expect(bits[index], `word 0x${words[index]!.toString(16)}`).toBe(float32ToFloat16Bits(values[index]!));
      }
    }
  });

  test('array forms agree with the scalar forms', () => {
    fc.assert(
      fc.property(fc.float32Array({ maxLength: 64 }), (values) => {
        const bits = float32ArrayToFloat16(values);
        expect(Array.from(bits)).toEqual(Array.from(values, float32ToFloat16Bits));
        const back = float16ArrayToFloat32(bits);
        back.forEach((value, index) => expect(Object.is(value, float16BitsToFloat32(bits[index]!))).toBe(true));
      }),
    );
  });
});

test('float16 widening keeps every NaN sign and payload, as tfjs does', () => {
  const patterns = Uint16Array.from(allSixteenBitPatterns);
  const widened = new Uint32Array(float16ArrayToFloat32(patterns).buffer);
  for (const bits of allSixteenBitPatterns) {
    if (!isNaNHalf(bits)) continue;
    expect(widened[bits]).toBe((((bits & 0x8000) << 16) | 0x7f800000 | ((bits & 0x3ff) << 13)) >>> 0);
  }
});

describe('bfloat16', () => {
  test('every non-NaN bfloat16 survives a round trip bit-exactly', () => {
    for (const bits of allSixteenBitPatterns) {
      const value = bfloat16BitsToFloat32(bits);
      if (isNaNBfloat(bits)) expect(Number.isNaN(value)).toBe(true);
      else expect(float32ToBfloat16Bits(value)).toBe(bits);
    }
  });

  test('rounding is to nearest, ties to even, and never turns NaN into Infinity', () => {
    expect(float32ToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie, even stays
    expect(float32ToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie, rounds to even
    expect(isNaNBfloat(float32ToBfloat16Bits(Number.NaN))).toBe(true);
    fc.assert(
      fc.property(fc.float32Array({ maxLength: 64 }), (values) => {
        const bits = float32ArrayToBfloat16(values);
        expect(Array.from(bits)).toEqual(Array.from(values, float32ToBfloat16Bits));
        const back = bfloat16ArrayToFloat32(bits);
        values.forEach((value, index) => {
          if (Number.isNaN(value)) expect(Number.isNaN(back[index]!)).toBe(true);
          else if (Number.isFinite(back[index]!)) expect(Math.abs(back[index]! - value)).toBeLessThanOrEqual(Math.max(Math.abs(value) * 2 ** -8, 2 ** -134));
        });
      }),
    );
  });
});
