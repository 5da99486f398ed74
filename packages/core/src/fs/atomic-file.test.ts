import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, expect, test } from 'vitest';
import { WhittleError } from '../errors.ts';
import { assertSafeOutput, atomicFileSink, exists, writeFileAtomic } from './atomic-file.ts';
import { fileSource } from './file-source.ts';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-fs-'));
});

test('writes appear only on close, under their final name', async () => {
  const path = join(directory, 'out.bin');
  const sink = await atomicFileSink(path);
  await sink.write(new Uint8Array([1, 2]));
  expect(await exists(path)).toBe(false);
  await sink.write(new Uint8Array([3]));
  await sink.close();
  expect(Array.from(await readFile(path))).toEqual([1, 2, 3]);
  expect(await readdir(directory)).toEqual(['out.bin']);
});

test('abort leaves nothing behind, and an existing output needs force', async () => {
  const path = join(directory, 'out.bin');
  const sink = await atomicFileSink(path);
  await sink.write(new Uint8Array([1]));
  await sink.abort(new Error('stop'));
  expect(await readdir(directory)).toEqual([]);
  await writeFileAtomic(path, new Uint8Array([1]));
  await expect(writeFileAtomic(path, new Uint8Array([2]))).rejects.toMatchObject({ code: 'invalid-argument', file: path });
  expect(Array.from(await readFile(path))).toEqual([1]);
  await writeFileAtomic(path, new Uint8Array([2]), { force: true });
  expect(Array.from(await readFile(path))).toEqual([2]);
});

test('an output in a missing directory fails with a typed error naming it', async () => {
  const path = join(directory, 'missing', 'out.bin');
  await expect(writeFileAtomic(path, new Uint8Array([1]))).rejects.toMatchObject({ file: path });
});

test('never over an input; beside it only with force', async () => {
  const input = join(directory, 'in', 'model.safetensors');
  await mkdir(join(directory, 'in'));
  await writeFile(input, new Uint8Array([1]));
  await expect(assertSafeOutput([input], input, { force: true })).rejects.toThrow(/is the input/);
  await expect(assertSafeOutput([input], join(directory, 'in', 'other.safetensors'))).rejects.toThrow(/force/);
  await expect(assertSafeOutput([input], join(directory, 'in', 'sub'))).rejects.toThrow(/force/);
  await expect(assertSafeOutput([join(directory, 'in')], directory)).rejects.toThrow(/force/);
  await assertSafeOutput([input], join(directory, 'in', 'other.safetensors'), { force: true });
  await assertSafeOutput([input], join(directory, 'out', 'model.safetensors'));
});

test('fileSource reads ranges without reading the whole file, and names the file on errors', async () => {
  const path = join(directory, 'data.bin');
  await writeFile(path, Uint8Array.from({ length: 100 }, (_, index) => index));
  const source = await fileSource(path);
  try {
    expect(source.size).toBe(100);
    expect(Array.from(await source.read(10, 3))).toEqual([10, 11, 12]);
    await expect(source.read(99, 2)).rejects.toMatchObject({ code: 'malformed-file', file: path });
  } finally {
    await source.close();
  }
  await expect(fileSource(join(directory, 'nope.bin'))).rejects.toBeInstanceOf(WhittleError);
});
