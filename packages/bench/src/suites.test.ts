import { isWhittleError } from '@whittle/core';
import { expect, test } from 'vitest';
import { findSuite, SUITES } from './suites.ts';

test('finds a suite by name', () => {
  expect(findSuite('backends').name).toBe('backends');
  expect(SUITES.map(({ name }) => name)).toContain('backends');
});

test('an unknown suite is a WhittleError naming the known ones', () => {
  let caught: unknown;
  try {
    findSuite('kernels');
  } catch (error) {
    caught = error;
  }
  expect(isWhittleError(caught, 'invalid-argument')).toBe(true);
  expect(String(caught)).toMatch(/unknown suite "kernels"; expected one of backends/);
});
