import { useBackend } from '@whittle/core';
import { expect, test } from 'vitest';
import { machineInfo } from './machine-info.ts';

test('describes the host, the runtime and tfjs', async () => {
  const info = await machineInfo([]);
  expect(info.cpu.length).toBeGreaterThan(0);
  expect(info.cores).toBeGreaterThanOrEqual(1);
  expect(info.memoryBytes).toBeGreaterThan(0);
  expect(info.os.length).toBeGreaterThan(0);
  expect(info.runtime).toBe('node');
  expect(info.runtimeVersion).toBe(process.versions.node);
  expect(info.tfjsVersion).toMatch(/^\d+\.\d+\.\d+/);
  expect(info.backends).toEqual([]);
});

test('records the given backends, and by default the one in use', async () => {
  const cpu = await useBackend('cpu');
  expect((await machineInfo([cpu])).backends).toEqual([{ name: 'cpu', simd: undefined, threads: undefined }]);
  expect((await machineInfo()).backends.map(({ name }) => name)).toEqual(['cpu']);
});
