import { isWhittleError } from '@whittle/core';
import { expect, test } from 'vitest';
import { findSuite, SUITES } from './suites.ts';

test('finds a suite by name', () => {
  expect(findSuite('backends').name).toBe('backends');
  expect(findSuite('distillation').name).toBe('distillation');
  expect(findSuite('formats').name).toBe('formats');
  expect(findSuite('kernels').name).toBe('kernels');
  expect(findSuite('lowrank').name).toBe('lowrank');
  expect(findSuite('pruning').name).toBe('pruning');
  expect(findSuite('quantization').name).toBe('quantization');
  expect(findSuite('stock-uint8').name).toBe('stock-uint8');
  expect(SUITES.map(({ name }) => name)).toEqual(['backends', 'distillation', 'formats', 'kernels', 'lowrank', 'onnx', 'pruning', 'quantization', 'search', 'stock-uint8']);
});

test('an unknown suite is a WhittleError naming the known ones', () => {
  let caught: unknown;
  try {
    findSuite('sparsity');
  } catch (error) {
    caught = error;
  }
  expect(isWhittleError(caught, 'invalid-argument')).toBe(true);
  expect(String(caught)).toMatch(/unknown suite "sparsity"; expected one of backends, distillation, formats, kernels, lowrank, onnx, pruning, quantization, search, stock-uint8/);
});
