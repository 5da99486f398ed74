import fc from 'fast-check';
import { expect, test } from 'vitest';
import { formatBytes, formatCount, formatFixed, formatScientific, formatSi } from './numbers.ts';

test('formatSi: three significant digits with a prefix', () => {
  expect(formatSi(235146)).toBe('235 k');
  expect(formatSi(2.1e10, 'params/s')).toBe('21.0 Gparams/s');
  expect(formatSi(25.34)).toBe('25.3');
  expect(formatSi(999)).toBe('999');
  expect(formatSi(999.7)).toBe('1.00 k');
  expect(formatSi(-1500)).toBe('-1.50 k');
  expect(formatSi(Infinity)).toBe('∞');
});

test('formatBytes uses decimal units', () => {
  expect(formatBytes(940584)).toBe('941 kB');
  expect(formatBytes(12)).toBe('12 B');
});

test('formatCount groups whole numbers as toLocaleString does', () => {
  fc.assert(
    fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(0, -0, 999, 1000, -1000, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER)), (value) => {
      expect(formatCount(value)).toBe(value.toLocaleString('en-US'));
    }),
  );
});

test('formatCount groups thousands', () => {
  expect(formatCount(235146)).toBe('235,146');
});

test('formatFixed and formatScientific show infinities and zero plainly', () => {
  expect(formatFixed(54.123, 1)).toBe('54.1');
  expect(formatFixed(Infinity, 1)).toBe('∞');
  expect(formatScientific(0)).toBe('0');
  expect(formatScientific(0.000123456)).toBe('1.23e-4');
  expect(formatScientific(Number.NaN)).toBe('NaN');
});
