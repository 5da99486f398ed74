import { codeRange } from '@whittle/core';
import { describe, expect, it } from 'vitest';
import { quantizationRange } from './quantization-range.ts';

describe('quantizationRange', () => {
  it('matches core code ranges, and narrows by dropping the lowest code', () => {
    for (const bits of [1, 2, 3, 4, 5, 6, 7, 8, 16]) {
      for (const signed of [true, false]) {
        const { min, max } = codeRange(bits, signed);
        expect(quantizationRange(bits, signed)).toEqual({ qmin: min, qmax: max });
        if (bits > 1) expect(quantizationRange(bits, signed, true)).toEqual({ qmin: min + 1, qmax: max });
      }
    }
    expect(quantizationRange(8, true, true)).toEqual({ qmin: -127, qmax: 127 });
  });

  it('rejects widths core cannot pack and ranges of one level', () => {
    for (const bits of [0, 9, 12, 17, 2.5, Number.NaN]) {
      expect(() => quantizationRange(bits, true)).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'bits' }));
    }
    expect(() => quantizationRange(1, true, true)).toThrow(/fewer than two levels/);
  });
});
