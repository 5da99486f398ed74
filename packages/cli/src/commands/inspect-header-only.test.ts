import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test, vi } from 'vitest';
import { runRecorded } from '../test-io.ts';
import { writeTestSafetensors } from '../test-models.ts';

// Records every way of reading tensor bytes from an opened safetensors file.
const reads = vi.hoisted(() => [] as string[]);
vi.mock('@whittle/core/fs', async (importOriginal) => {
  const original = await importOriginal<typeof import('@whittle/core/fs')>();
  return {
    ...original,
    openSafetensorsFile: async (path: string) => {
      const file = await original.openSafetensorsFile(path);
      return {
        ...file,
        readTensor: (name: string) => (reads.push(`readTensor ${name}`), file.readTensor(name)),
        readParam: (name: string) => (reads.push(`readParam ${name}`), file.readParam(name)),
        params: () => (reads.push('params'), file.params()),
      };
    },
    readSafetensorsFile: (path: string) => (reads.push('readSafetensorsFile'), original.readSafetensorsFile(path)),
  };
});

let directory: string | undefined;
afterAll(async () => {
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

test('inspect describes a safetensors file from its header, reading no tensor', async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-inspect-header-'));
  const path = join(directory, 'model.safetensors');
  await writeTestSafetensors(path);
  const { status, out } = await runRecorded('inspect', path, '--json');
  expect(status).toBe(0);
  expect(JSON.parse(out).tensors).toHaveLength(5);
  expect(reads).toEqual([]);
  // The recorder is live for the module the CLI uses: a read would have shown.
  const { openSafetensorsFile } = await import('@whittle/core/fs');
  const file = await openSafetensorsFile(path);
  await file.readTensor('head.bias');
  await file.close();
  expect(reads).toEqual(['readTensor head.bias']);
});
