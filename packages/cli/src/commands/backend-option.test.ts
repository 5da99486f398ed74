import { InvalidArgumentError } from 'commander';
import { expect, test } from 'vitest';
import { parseBackendList } from './backend-option.ts';

test('parses a comma-separated list in order', () => {
  expect(parseBackendList('wasm,cpu')).toEqual(['wasm', 'cpu']);
  expect(parseBackendList(' cpu ')).toEqual(['cpu']);
});

test('rejects unknown names, repeats and empty entries', () => {
  expect(() => parseBackendList('wasm,gpu')).toThrow(InvalidArgumentError);
  expect(() => parseBackendList('wasm,gpu')).toThrow(/unknown backend "gpu"/);
  expect(() => parseBackendList('cpu,cpu')).toThrow(/twice/);
  expect(() => parseBackendList('')).toThrow(/unknown backend ""/);
});
