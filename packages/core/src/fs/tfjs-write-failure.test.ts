/**
 * A replacement that fails after its first shard landed (a write error injected into the
 * atomic writer) leaves the previous output exactly as it was, and a new output that fails
 * leaves no folder behind.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, test, vi } from 'vitest';
import { plainWeights, sequenceModel } from './test-model.test-support.ts';
import { readTfjsModelFile } from './tfjs-read.ts';
import { writeTfjsModelFiles } from './tfjs-write.ts';

const injection = vi.hoisted(() => ({ failOnCall: -1, calls: 0 }));

vi.mock('./atomic-file.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./atomic-file.ts')>();
  return {
    ...actual,
    writeFileAtomic: async (...args: Parameters<typeof actual.writeFileAtomic>) => {
      if (injection.calls++ === injection.failOnCall) throw new Error('injected write failure');
      return actual.writeFileAtomic(...args);
    },
  };
});

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'whittle-failure-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  injection.failOnCall = -1;
  injection.calls = 0;
});

test('failing after the first new shard landed: the old output is untouched, file for file', async () => {
  const directory = join(root, 'replace');
  // Same names and sizes old and new: only the bytes differ, the case a mix would go unnoticed.
  await writeTfjsModelFiles(sequenceModel(3, 64, 0), directory, { shardBytes: 256 });
  const names = (await readdir(directory)).sort();
  const contents = await Promise.all(names.map((name) => readFile(join(directory, name))));
  for (const failOnCall of [1, 2, 3]) {
    injection.calls = 0;
    injection.failOnCall = failOnCall; // call 0 is the first shard; call 3 is model.json
    await expect(writeTfjsModelFiles(sequenceModel(3, 64, 9), directory, { shardBytes: 256, force: true })).rejects.toThrow(
      /injected/
    );
    expect((await readdir(directory)).sort()).toEqual(names);
    for (const [index, name] of names.entries()) expect(await readFile(join(directory, name))).toEqual(contents[index]);
    expect((await plainWeights(directory)).get('p2')![0]).toBe(2);
    await readTfjsModelFile(directory);
  }
});

test('a new output that fails leaves no folder behind, not even its parents', async () => {
  const directory = join(root, 'fresh', 'a', 'b');
  injection.failOnCall = 1;
  await expect(writeTfjsModelFiles(sequenceModel(3, 64, 0), directory, { shardBytes: 256 })).rejects.toThrow(/injected/);
  expect(await readdir(root)).not.toContain('fresh');
});

test('a topology JSON cannot hold is a typed error before anything is written', async () => {
  const directory = join(root, 'deep');
  let deep: unknown = 1;
  for (let index = 0; index < 100_000; index++) deep = { a: deep };
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const modelTopology of [deep, cyclic]) {
    const model = { ...sequenceModel(1, 4), topology: { modelTopology, format: 'layers-model' } };
    await expect(writeTfjsModelFiles(model, directory)).rejects.toMatchObject({ code: 'invalid-model', field: 'topology' });
    expect(await readdir(root)).not.toContain('deep');
  }
});
