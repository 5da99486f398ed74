import { EventEmitter } from 'node:events';
import { expect, test } from 'vitest';
import { keepProcessErrorHandling } from './keep-process-error-handling.ts';
import { useBackend } from './use-backend.ts';

function listenersOf(emitter: NodeJS.Process): Record<string, unknown[]> {
  return {
    uncaughtException: emitter.listeners('uncaughtException'),
    unhandledRejection: emitter.listeners('unhandledRejection'),
  };
}

// The real thing: this file's worker has not started the wasm backend before, so its emscripten
// module initialises here and adds its listeners to the real process.
test('useBackend("wasm") leaves the process error listeners as they were', async () => {
  const before = listenersOf(process);
  const info = await useBackend('wasm');
  expect(info.name).toBe('wasm');
  expect(listenersOf(process)).toEqual(before);
});

test('only the listeners added while starting are removed, on success and on failure', async () => {
  const emitter = new EventEmitter();
  const kept = (): void => {};
  emitter.on('uncaughtException', kept);
  const added = (): void => {};
  const result = await keepProcessErrorHandling(async () => {
    emitter.on('uncaughtException', added);
    emitter.on('unhandledRejection', added);
    emitter.on('warning', added);
    return 'started';
  }, emitter);
  expect(result).toBe('started');
  expect(emitter.listeners('uncaughtException')).toEqual([kept]);
  expect(emitter.listeners('unhandledRejection')).toEqual([]);
  // Other events are none of its business.
  expect(emitter.listeners('warning')).toEqual([added]);

  const failing = keepProcessErrorHandling(async () => {
    emitter.on('unhandledRejection', added);
    throw new Error('did not start');
  }, emitter);
  await expect(failing).rejects.toThrow('did not start');
  expect(emitter.listeners('unhandledRejection')).toEqual([]);
});
