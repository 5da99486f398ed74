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
