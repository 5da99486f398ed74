import { readFile, stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { Model } from '@whittle/core';
import { readTfjsModelFile, writeTfjsModelFiles } from '@whittle/core/fs';

/** A model as written to disk and read back from it. */
export interface SavedModel {
  /** model.json, then every shard it lists. */
  readonly files: readonly string[];
  /** Bytes of every file on disk. */
  readonly bytes: number;
  /** The same files each gzip-compressed (level 9), summed: what a server sends with gzip on. */
  readonly gzipBytes: number;
  /** The model read back from `files` by whittle's reader (every encoding as stored). */
  readonly model: Model;
}

/**
 * Writes `model` as TFJS artifacts into `directory` (atomically: a previous model there stays
 * whole until the new model.json replaces it), measures the files, and reads the model back from
 * them, so that everything measured afterwards is what a user ships.
 *
 * @example
 * ```ts
 * const saved = await saveAndReload(compressed, 'whittle-demo/lenet-5/int8');
 * saved.bytes; // model.json and shards
 * ```
 */
export async function saveAndReload(model: Model, directory: string): Promise<SavedModel> {
  const written = await writeTfjsModelFiles(model, directory, { force: true });
  const files = [written.modelJson, ...written.shards];
  let bytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    bytes += (await stat(file)).size;
    gzipBytes += gzipSync(await readFile(file), { level: 9 }).byteLength;
  }
  return { files, bytes, gzipBytes, model: await readTfjsModelFile(written.modelJson) };
}
