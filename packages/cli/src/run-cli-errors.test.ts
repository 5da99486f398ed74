import { WhittleError } from '@whittle/core';
import { beforeEach, expect, test, vi } from 'vitest';
import { FAILURE, runCli } from './run-cli.ts';
import { recordingIo } from './test-io.ts';

// Errors thrown while a command runs: make the backend fail to start.
const failure = vi.hoisted(() => ({ error: undefined as unknown }));
vi.mock('@whittle/core', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@whittle/core')>()),
  useBackend: () => Promise.reject(failure.error),
}));

beforeEach(() => {
  failure.error = new WhittleError('backend-unavailable', 'the wasm backend failed to initialise', { field: 'backend' });
});

test('a WhittleError is one line on stderr and status 1', async () => {
  const io = recordingIo();
  expect(await runCli(['demo'], io)).toBe(FAILURE);
  expect(io.out()).toBe('');
  expect(io.err()).toBe('whittle: backend: the wasm backend failed to initialise\n');
});

test('--debug adds the stack trace', async () => {
  const io = recordingIo();
  expect(await runCli(['demo', '--debug'], io)).toBe(FAILURE);
  const [first, ...rest] = io.err().trimEnd().split('\n');
  expect(first).toBe('whittle: backend: the wasm backend failed to initialise');
  expect(rest.join('\n')).toMatch(/^WhittleError: .*\n\s+at /);
});

test('an unexpected error is one line too, its message kept', async () => {
  failure.error = new TypeError('cannot read properties of undefined\n(reading "x")');
  const io = recordingIo();
  expect(await runCli(['bench', '--suite', 'backends', '--backend', 'cpu'], io)).toBe(FAILURE);
  expect(io.err()).toMatch(/whittle: cannot read properties of undefined \(reading "x"\)\n$/);
  expect(io.err()).not.toMatch(/\n\s+at /);
});
