import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertSafeOutput, fileSource, writeFileAtomic } from '../dist/fs.js';
import { assert, assertClose, assertRejects, test } from './harness.mjs';

test('@whittle/core/fs writes atomically and reads ranges', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'whittle-runtime-'));
  try {
    const path = join(directory, 'data.bin');
    await writeFileAtomic(path, Uint8Array.from([5, 6, 7, 8]));
    assert((await readdir(directory)).length === 1, 'no temporary file left');
    const source = await fileSource(path);
    try {
      assertClose(Array.from(await source.read(1, 2)), [6, 7], 0, 'range');
    } finally {
      await source.close();
    }
    await assertRejects(() => writeFileAtomic(path, new Uint8Array(1)), 'invalid-argument');
    await assertRejects(() => assertSafeOutput([path], path, { force: true }), 'invalid-argument');
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('@whittle/core/fs replaces a TFJS output whole, with shard hashes checked on read', async () => {
  const { createModel, denseEncoding } = await import('../dist/index.js');
  const { readTfjsModelFile, writeTfjsModelFiles } = await import('../dist/fs.js');
  const model = (seed) =>
    createModel({
      format: 'checkpoint',
      topology: null,
      params: [{ name: 'w', role: 'other', value: denseEncoding({ dtype: 'float32', shape: [64], data: Float32Array.from({ length: 64 }, (_, i) => seed + i) }) }],
    });
  const directory = await mkdtemp(join(tmpdir(), 'whittle-runtime-'));
  try {
    const output = join(directory, 'out');
    await writeTfjsModelFiles(model(0), output, { shardBytes: 64 });
    await assertRejects(() => writeTfjsModelFiles(model(1), output, { shardBytes: 64 }), 'invalid-argument');
    await writeTfjsModelFiles(model(1), output, { shardBytes: 64, force: true });
    assert((await readdir(output)).length === 5, 'model.json and the four new shards, the old ones gone');
    const back = await readTfjsModelFile(output);
    assertClose(Array.from(back.params.get('w').value.tensor.data.slice(0, 2)), [1, 2], 0, 'new values');
    await assertSafeOutput([join(directory, 'model.safetensors')], join(directory, 'model-f16.safetensors'));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
