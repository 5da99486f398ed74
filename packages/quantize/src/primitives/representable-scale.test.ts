import { float16BitsToFloat32, float32ToFloat16Bits } from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { representableScale } from './representable-scale.ts';

const halfValue = (value: number) => float16BitsToFloat32(float32ToFloat16Bits(value));

describe('representableScale', () => {
  it('gives the smallest float16 at or above the scale', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 65000, noNaN: true }), (scale) => {
        const stored = representableScale(scale, 'float16');
        expect(stored).toBeGreaterThanOrEqual(scale);
        expect(halfValue(stored)).toBe(stored);
        const bits = float32ToFloat16Bits(stored);
        if (bits > 1) expect(float16BitsToFloat32(bits - 1)).toBeLessThan(scale);
      }),
    );
  });

  it('gives the smallest float32 at or above the scale', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-50, max: 1e38, noNaN: true }), (scale) => {
        const stored = representableScale(scale, 'float32');
        expect(stored).toBeGreaterThanOrEqual(scale);
        expect(Math.fround(stored)).toBe(stored);
        const previous = new Float32Array([stored]);
        const words = new Uint32Array(previous.buffer);
        if (words[0]! > 1) {
          words[0] = words[0]! - 1;
          expect(previous[0]).toBeLessThan(scale);
        }
      }),
    );
  });

  it('keeps exact values, lifts tiny ones to the smallest subnormal, and refuses what does not fit', () => {
    expect(representableScale(0.1, 'float16')).toBe(0.10003662109375);
    expect(representableScale(0.5, 'float16')).toBe(0.5);
    expect(representableScale(0.1, 'float64')).toBe(0.1);
    expect(representableScale(1e-30, 'float16')).toBe(2 ** -24);
    expect(representableScale(1e-60, 'float32')).toBe(2 ** -149);
    expect(representableScale(65504, 'float16')).toBe(65504);
    expect(() => representableScale(65505, 'float16')).toThrow(expect.objectContaining({ field: 'scaleDType' }));
    expect(() => representableScale(1e39, 'float32')).toThrow(expect.objectContaining({ field: 'scaleDType' }));
    for (const bad of [0, -1, Number.NaN, Infinity]) expect(() => representableScale(bad, 'float32')).toThrow(expect.objectContaining({ field: 'scale' }));
    expect(() => representableScale(1, 'int8' as never)).toThrow(expect.objectContaining({ field: 'scaleDType' }));
  });
});
