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

test('--debug prints every cause in the chain, each with its message and stack', async () => {
  // As a Deno permission error reaches the CLI: a reason with no code, two wrappers up.
  const reason = new Error('Requires write access to "out", run again with the --allow-write flag');
  reason.name = 'NotCapable';
  const middle = new WhittleError('invalid-argument', 'cannot create the output directory', { file: 'out' }, { cause: reason });
  failure.error = new WhittleError('backend-unavailable', 'the run failed', {}, { cause: middle });
  const io = recordingIo();
  expect(await runCli(['demo', '--debug'], io)).toBe(FAILURE);
  const text = io.err();
  expect(text).toMatch(/^whittle: the run failed\nWhittleError: the run failed\n\s+at /);
  expect(text).toMatch(/\ncaused by: WhittleError: out: cannot create the output directory\n\s+at /);
  expect(text).toMatch(/\ncaused by: NotCapable: Requires write access to "out", run again with the --allow-write flag\n\s+at /);
  // Without --debug: one line only.
  const plain = recordingIo();
  await runCli(['demo'], plain);
  expect(plain.err()).toBe('whittle: the run failed\n');
});

test('--debug follows causes that are not errors, and stops at a cycle', async () => {
  const cyclic = new Error('outer', { cause: { message: 'a plain object with a message' } });
  const loop = new Error('loop');
  (loop as { cause?: unknown }).cause = loop;
  failure.error = new Error('top', { cause: new Error('middle', { cause: loop }) });
  const io = recordingIo();
  await runCli(['demo', '--debug'], io);
  expect(io.err().match(/caused by: /g)).toHaveLength(2);
  expect(io.err()).toMatch(/caused by: Error: loop\n/);
  failure.error = cyclic;
  const second = recordingIo();
  await runCli(['demo', '--debug'], second);
  expect(second.err()).toMatch(/\ncaused by: a plain object with a message\n$/);
});
