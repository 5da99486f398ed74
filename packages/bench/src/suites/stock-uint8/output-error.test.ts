import { expect, test } from 'vitest';
import { relativeOutputError } from './output-error.ts';

test('the RMS change of each output over its RMS, the worst output', () => {
  // Output 0: change (0.3, 0.4) against (3, 4): 0.5 / 5 = 0.1. Output 1: change 1 against 4: 0.25.
  const reference = [Float32Array.of(3, 4), Float32Array.of(4)];
  expect(relativeOutputError(reference, [Float32Array.of(3.3, 4.4), Float32Array.of(5)])).toBeCloseTo(0.25, 6);
  expect(relativeOutputError(reference, [Float32Array.of(3.3, 4.4), Float32Array.of(4)])).toBeCloseTo(0.1, 6);
  expect(relativeOutputError(reference, reference)).toBe(0);
});

test('an all-zero reference output that moved is an infinite error; one that did not is none', () => {
  expect(relativeOutputError([Float32Array.of(0, 0)], [Float32Array.of(0, 1e-9)])).toBe(Infinity);
  expect(relativeOutputError([Float32Array.of(0, 0)], [Float32Array.of(0, 0)])).toBe(0);
});

test('outputs that do not line up are typed errors naming the output', () => {
  expect(() => relativeOutputError([Float32Array.of(1)], [])).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'candidate' }));
  expect(() => relativeOutputError([Float32Array.of(1)], [Float32Array.of(1, 2)])).toThrow(expect.objectContaining({ field: 'candidate[0]' }));
});
