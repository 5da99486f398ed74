import { link, mkdir, mkdtemp, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeEach, expect, test } from 'vitest';
import { WhittleError } from '../errors.ts';
import { assertSafeOutput, atomicFileSink, exists, makeOutputDirectory, writeFileAtomic } from './atomic-file.ts';
import { fileError, fileSource } from './file-source.ts';
import { liveTemporaryCount } from './temporary-files.ts';

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

test('a single-file input: any other name works, beside it included; the same file under any name never', async () => {
  const input = join(directory, 'in', 'model.safetensors');
  await mkdir(join(directory, 'in'));
  await writeFile(input, new Uint8Array([1]));
  await assertSafeOutput([input], join(directory, 'in', 'model-f16.safetensors'));
  await assertSafeOutput([input], join(directory, 'in', 'sub', 'model.safetensors'));
  await assertSafeOutput([input], join(directory, 'out', 'model.safetensors'));
  await symlink(join(directory, 'in'), join(directory, 'linked-dir'));
  await symlink(input, join(directory, 'linked-file'));
  await link(input, join(directory, 'hard-link'));
  for (const spelling of [
    input,
    join(directory, 'in', '.', 'model.safetensors'),
    join(directory, 'in', 'sub', '..', 'model.safetensors'),
    join(directory, 'linked-dir', 'model.safetensors'),
    join(directory, 'linked-file'),
    join(directory, 'hard-link'),
  ]) {
    await expect(assertSafeOutput([input], spelling, { force: true })).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringMatching(/is the input/),
    });
  }
  // The input given through a link is the same file as its real name.
  await expect(assertSafeOutput([join(directory, 'linked-file')], input, { force: true })).rejects.toThrow(/is the input/);
});

test('a model directory: nothing inside it or over it without force, never the directory itself', async () => {
  const model = join(directory, 'in');
  await mkdir(model);
  await expect(assertSafeOutput([model], model, { force: true })).rejects.toThrow(/is the input/);
  await expect(assertSafeOutput([model], join(model, 'sub'))).rejects.toThrow(/model directory .*force/);
  await expect(assertSafeOutput([model], directory)).rejects.toThrow(/model directory .*force/);
  await symlink(model, join(directory, 'alias'));
  await expect(assertSafeOutput([join(directory, 'alias')], join(model, 'sub'))).rejects.toThrow(/force/);
  await assertSafeOutput([model], join(model, 'sub'), { force: true });
  await assertSafeOutput([model], join(directory, 'out'));
});

test('temporary names fit wherever the final name fits: a 255-byte name writes', async () => {
  for (const length of [230, 255]) {
    const path = join(directory, `${'n'.repeat(length - 4)}.bin`);
    await writeFileAtomic(path, new Uint8Array([length & 0xff]));
    expect(Array.from(await readFile(path))).toEqual([length & 0xff]);
  }
  expect((await readdir(directory)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  expect(liveTemporaryCount()).toBe(0);
});

test('fast-check: any final name of 1 to 255 bytes, in any characters, writes and leaves no temporary', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 255 }).map((name) => Buffer.from(name.replace(/[/\0]/g, 'x')).subarray(0, 255).toString('utf8').replace(/\uFFFD/g, 'x')),
      async (raw) => {
        // Trim to 255 UTF-8 bytes on a character boundary; `.` and `..` are not file names.
        let name = raw;
        while (Buffer.byteLength(name) > 255) name = name.slice(0, -1);
        if (name === '' || name === '.' || name === '..') return;
        const path = join(directory, name);
        await writeFileAtomic(path, new Uint8Array([7]), { force: true });
        expect(Array.from(await readFile(path))).toEqual([7]);
      }
    ),
    { numRuns: 40 }
  );
  expect((await readdir(directory)).filter((name) => name.startsWith('.whittle-'))).toEqual([]);
});

test('concurrent writers of one new output: exactly one succeeds, the rest get a typed error', async () => {
  const path = join(directory, 'race.bin');
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, (_, index) => writeFileAtomic(path, new Uint8Array(64 * 1024).fill(index)))
  );
  const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
  expect(winners).toHaveLength(1);
  for (const result of results) {
    if (result.status === 'rejected')
      expect(result.reason).toMatchObject({ code: 'invalid-argument', file: path, message: expect.stringMatching(/exists already/) });
  }
  const bytes = await readFile(path);
  expect(bytes.every((byte) => byte === winners[0])).toBe(true);
  expect(await readdir(directory)).toEqual(['race.bin']);
});

test('makeOutputDirectory undoes only the empty folders it made', async () => {
  const undo = await makeOutputDirectory(join(directory, 'a', 'b', 'c'));
  expect((await stat(join(directory, 'a', 'b', 'c'))).isDirectory()).toBe(true);
  await writeFile(join(directory, 'a', 'keep.txt'), 'x');
  await undo();
  expect(await readdir(join(directory, 'a'))).toEqual(['keep.txt']);
  await writeFile(join(directory, 'file'), 'x');
  await expect(makeOutputDirectory(join(directory, 'file', 'sub'))).rejects.toMatchObject({
    code: 'invalid-argument',
    file: join(directory, 'file', 'sub'),
    message: expect.stringMatching(/cannot create the output directory \(E[A-Z]+: /),
  });
});

test('fileError keeps the reason: a code and message, or a message alone, one bounded line', () => {
  const node = Object.assign(new Error("ENOENT: no such file or directory, open '/x/y'"), { code: 'ENOENT', syscall: 'open' });
  expect(fileError('/x/y', 'cannot open the model', node).message).toBe('/x/y: cannot open the model (ENOENT: no such file or directory)');
  // Deno's permission error has a message and no code.
  const deno = new Error('Requires write access to "out", run again with the --allow-write flag');
  expect(fileError('out', 'cannot create the output directory', deno).message).toBe(
    'out: cannot create the output directory (Requires write access to "out", run again with the --allow-write flag)'
  );
  const long = fileError('f', 'cannot read', new Error(`line one\nline two ${'x'.repeat(10_000)}`)).message;
  expect(long).not.toMatch(/\n/);
  expect(long.length).toBeLessThan(260);
  expect(fileError('f', 'cannot read', undefined).message).toBe('f: cannot read');
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
