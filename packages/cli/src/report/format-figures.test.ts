import { describe, expect, it } from 'vitest';
import { formatBits, formatChange, formatCount, formatDecimal, formatTimes } from './format-figures.ts';

describe('report figures', () => {
  it('prints counts, decimals, changes, ratios and bits', () => {
    expect(formatCount(266_610)).toBe('266,610');
    expect(formatDecimal(98.1234, 2, '%')).toBe('98.12 %');
    expect(formatChange(-0.123, 2)).toBe('−0.12');
    expect(formatChange(0.06, 2)).toBe('+0.06');
    expect(formatChange(-0.001, 2)).toBe('0.00');
    expect(formatTimes(39.62)).toBe('39.6×');
    expect(formatBits(5, 'float')).toBe('5');
    expect(formatBits(null, 'dense')).toBe('dense');
  });

  it('prints a dash, never NaN or Infinity, for a missing or non-finite figure', () => {
    for (const value of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '12']) {
      for (const text of [formatCount(value), formatDecimal(value, 2, 'ms'), formatChange(value, 2), formatTimes(value)]) expect(text).toBe('—');
    }
  });
});
