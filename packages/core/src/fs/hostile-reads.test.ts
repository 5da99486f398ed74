/**
 * Adversarial reads: links out of the model directory, files that are not regular files, a
 * model.json too large to be one, shards listed many times. Each gets a typed error naming the
 * file and field, or a correct result; nothing outside the model is read; nothing hangs.
 */
import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decode } from '../encoding/decode.ts';
import { MAX_MODEL_JSON_BYTES } from '../formats/tfjs/parse-model-json.ts';
import { readTfjsModel } from '../formats/tfjs/read-tfjs-model.ts';
import { writeTfjsArtifacts } from '../formats/tfjs/write-tfjs-artifacts.ts';
import { fileSource } from './file-source.ts';
import { openSafetensorsFile, writeSafetensorsFile } from './safetensors-file.ts';
import { sequenceModel } from './test-model.test-support.ts';
import { readTfjsModelFile } from './tfjs-read.ts';
import { writeTfjsModelFiles } from './tfjs-write.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'whittle-hostile-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A one-shard model.json whose single path is `path`, in `directory`, and the shard's bytes. */
async function modelPointingAt(directory: string, path: string): Promise<Uint8Array> {
  await mkdir(directory, { recursive: true });
  const { modelJson, shards } = writeTfjsArtifacts(sequenceModel(1, 4));
  const json = { ...modelJson, weightsManifest: [{ ...modelJson.weightsManifest[0]!, paths: [path] }] };
  await writeFile(join(directory, 'model.json'), JSON.stringify(json));
  return shards[0]!.bytes;
}

function canMakeFifo(path: string): boolean {
  try {
    execFileSync('mkfifo', [path]);
    return true;
  } catch {
    return false;
  }
}

describe('reads stay inside the model directory, by real path', () => {
  test('a shard that links to a file outside is refused, and read only when allowed', async () => {
    const directory = join(root, 'file-link');
    const bytes = await modelPointingAt(directory, 'shard.bin');
    await writeFile(join(root, 'outside.bin'), bytes);
    await symlink(join(root, 'outside.bin'), join(directory, 'shard.bin'));
    const error = await readTfjsModelFile(directory).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'malformed-file',
      file: join(directory, 'model.json'),
      field: 'weightsManifest[0].paths[0]',
      message: expect.stringMatching(/outside the model directory/),
    });
    const allowed = await readTfjsModelFile(directory, { followLinksOutside: true });
    expect(Array.from(decode(allowed.params.get('p0')!.value).data)).toEqual([0, 0.25, 0.5, 0.75]);
  });

  test('a path through a linked directory leading out is refused; a link that stays inside is fine', async () => {
    const directory = join(root, 'dir-link');
    const bytes = await modelPointingAt(directory, 'sub/shard.bin');
    await mkdir(join(root, 'elsewhere'));
    await writeFile(join(root, 'elsewhere', 'shard.bin'), bytes);
    await symlink(join(root, 'elsewhere'), join(directory, 'sub'));
    await expect(readTfjsModelFile(directory)).rejects.toMatchObject({ code: 'malformed-file', field: 'weightsManifest[0].paths[0]' });
    const inside = join(root, 'inside-link');
    await modelPointingAt(inside, 'alias.bin');
    await writeFile(join(inside, 'real.bin'), bytes);
    await symlink('real.bin', join(inside, 'alias.bin'));
    expect((await readTfjsModelFile(inside)).params.size).toBe(1);
  });
});

describe('only regular files are read, and never waited on', () => {
  test('model.json linked to /dev/zero, or a directory named model.json, is refused before reading', async () => {
    const directory = join(root, 'dev-zero');
    await mkdir(directory);
    await symlink('/dev/zero', join(directory, 'model.json'));
    await expect(readTfjsModelFile(directory)).rejects.toMatchObject({
      code: 'invalid-argument',
      file: join(directory, 'model.json'),
      message: expect.stringMatching(/a device, not a regular file/),
    });
    await symlink('/dev/zero', join(root, 'zero.safetensors'));
    await expect(openSafetensorsFile(join(root, 'zero.safetensors'))).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringMatching(/not a regular file/),
    });
  });

  test('a shard linked to /dev/zero is refused naming its field', async () => {
    const directory = join(root, 'zero-shard');
    await modelPointingAt(directory, 'shard.bin');
    await symlink('/dev/zero', join(directory, 'shard.bin'));
    await expect(readTfjsModelFile(directory, { followLinksOutside: true })).rejects.toMatchObject({
      code: 'malformed-file',
      field: 'weightsManifest[0].paths[0]',
      message: expect.stringMatching(/not a regular file/),
    });
  });

  test('FIFOs named model.json, .safetensors or a shard are refused at once, not waited on', async (context) => {
    const directory = join(root, 'fifo');
    await modelPointingAt(directory, 'shard.bin');
    if (!canMakeFifo(join(directory, 'shard.bin'))) return context.skip();
    await expect(readTfjsModelFile(directory)).rejects.toMatchObject({ code: 'malformed-file', message: expect.stringMatching(/not a regular file/) });
    const json = join(root, 'fifo-model.json');
    canMakeFifo(json);
    await expect(readTfjsModelFile(json)).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/a FIFO/) });
    const safetensors = join(root, 'fifo.safetensors');
    canMakeFifo(safetensors);
    await expect(fileSource(safetensors)).rejects.toMatchObject({ code: 'invalid-argument', file: safetensors });
  }, 5_000);

  test('a model.json over the size limit is called too large, not invalid UTF-8, before it is read', async () => {
    const path = join(root, 'huge', 'model.json');
    await mkdir(join(root, 'huge'));
    // Sparse: the size is real, the disk holds nothing.
    const handle = await open(path, 'w');
    await handle.truncate(MAX_MODEL_JSON_BYTES + 1);
    await handle.close();
    await expect(readTfjsModelFile(path)).rejects.toMatchObject({
      code: 'malformed-file',
      file: path,
      message: expect.stringMatching(/is 268435457 bytes, over the 268435456-byte limit/),
    });
  });
});

describe('a shard listed more than once is refused: the weights never outgrow the distinct bytes on disk', () => {
  test('the same path twice, in one group or across groups, names the second listing', async () => {
    const model = sequenceModel(2, 1024);
    const { modelJson, shards } = writeTfjsArtifacts(model);
    const entry = modelJson.weightsManifest[0]!.weights[0]!;
    const path = shards[0]!.path;
    const loads: string[] = [];
    const load = async (shard: string): Promise<Uint8Array> => {
      loads.push(shard);
      return shards[0]!.bytes;
    };
    const oneGroup = { weightsManifest: [{ paths: [path, path], weights: [entry, { ...entry, name: 'copy' }] }] };
    await expect(readTfjsModel(JSON.stringify(oneGroup), load)).rejects.toMatchObject({
      code: 'malformed-file',
      field: 'weightsManifest[0].paths[1]',
      message: expect.stringMatching(/listed twice \(first at weightsManifest\[0\]\.paths\[0\]\)/),
    });
    const twoGroups = {
      weightsManifest: [
        { paths: [path], weights: [entry] },
        { paths: [path], weights: [{ ...entry, name: 'copy' }] },
      ],
    };
    await expect(readTfjsModel(JSON.stringify(twoGroups), load)).rejects.toMatchObject({ field: 'weightsManifest[1].paths[0]' });
    // Refused from the manifest alone: no shard was read.
    expect(loads).toEqual([]);
  });

  test('from disk, two spellings of one file are refused before either is read whole', async () => {
    const directory = join(root, 'repeated');
    const length = 1 << 20; // 4 MiB of float32
    const model = sequenceModel(1, length);
    const { modelJson, shards } = writeTfjsArtifacts(model, { shardBytes: 4 * length });
    await mkdir(directory);
    await writeFile(join(directory, 'one.bin'), shards[0]!.bytes);
    await link(join(directory, 'one.bin'), join(directory, 'same.bin'));
    const entry = modelJson.weightsManifest[0]!.weights[0]!;
    const copies = 100;
    for (const spelling of ['./one.bin', 'same.bin']) {
      await writeFile(
        join(directory, 'model.json'),
        JSON.stringify({
          weightsManifest: [
            {
              paths: Array.from({ length: copies }, (_, index) => (index % 2 === 0 ? 'one.bin' : spelling)),
              weights: Array.from({ length: copies }, (_, index) => ({ ...entry, name: `copy${index}` })),
            },
          ],
        })
      );
      const before = process.memoryUsage().arrayBuffers;
      const failure = readTfjsModelFile(directory);
      await expect(failure).rejects.toMatchObject({ code: 'malformed-file', file: join(directory, 'model.json') });
      await expect(failure).rejects.toThrow(/same file as the shard|listed twice/);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * length);
    }
    // The same file listed once reads as usual.
    await writeFile(join(directory, 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['one.bin'], weights: [entry] }] }));
    const read = await readTfjsModelFile(directory);
    expect(decode(read.params.get(entry.name)!.value).data[length - 1]).toBe((length - 1) / length);
  });
});

test('a safetensors file written and read back through the same guarded opening', async () => {
  const path = join(root, 'plain.safetensors');
  await writeSafetensorsFile(path, sequenceModel(2, 3));
  const file = await openSafetensorsFile(path);
  try {
    expect([...file.header.params.keys()]).toEqual(['p0', 'p1']);
  } finally {
    await file.close();
  }
  expect((await readFile(path)).byteLength).toBeGreaterThan(0);
});

test('writeTfjsModelFiles records shard hashes that the reader checks', async () => {
  const directory = join(root, 'hashed');
  const files = await writeTfjsModelFiles(sequenceModel(2, 8), directory, { shardBytes: 32 });
  const json = JSON.parse(await readFile(files.modelJson, 'utf8')) as { whittle: { shards: Array<{ path: string; sha256: string }> } };
  expect(json.whittle.shards.map((shard) => shard.path)).toEqual(files.shards.map((path) => path.slice(directory.length + 1)));
  // Same size, other bytes: what an interrupted replacement could leave.
  const shard = files.shards[1]!;
  const bytes = await readFile(shard);
  bytes[0]! ^= 1;
  await writeFile(shard, bytes);
  await expect(readTfjsModelFile(directory)).rejects.toMatchObject({
    code: 'malformed-file',
    file: files.modelJson,
    field: 'whittle.shards[1].sha256',
  });
});
