/**
 * Reading TFJS artifacts from disk: model.json and its shards, each a regular file opened without
 * blocking, model.json bounded in size, shards contained in the model's directory by real path
 * and checked against the manifest (by `fstat`) before a byte of them is read.
 */
import { realpath, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WhittleError } from '../errors.ts';
import { malformed } from '../formats/tfjs/malformed.ts';
import { MAX_MODEL_JSON_BYTES, parseModelJson } from '../formats/tfjs/parse-model-json.ts';
import { readParsedTfjsModel } from '../formats/tfjs/read-tfjs-model.ts';
import type { Model } from '../model/types.ts';
import { describeValue } from '../tensor/shape.ts';
import { describeCause, fileError, openRegularFile, type RegularFile } from './file-source.ts';
import { isBelow } from './is-below.ts';

/** Options of {@link readTfjsModelFile}. */
export interface ReadTfjsModelFileOptions {
  /**
   * Follow symlinks whose target lies outside the model's directory (a shard linked from a
   * shared cache). Off by default: a shard must really be inside the directory, so a hostile
   * model.json cannot read other files through a link.
   */
  readonly followLinksOutside?: boolean;
}

/**
 * The model.json a path names: the path itself, or `model.json` inside it when it is a directory.
 *
 * @example
 * ```ts
 * await modelJsonPath('models/mnist'); // 'models/mnist/model.json'
 * ```
 */
export async function modelJsonPath(path: string): Promise<string> {
  try {
    return (await stat(path)).isDirectory() ? join(path, 'model.json') : path;
  } catch (error) {
    throw fileError(path, 'cannot open the model', error);
  }
}

/**
 * Reads TFJS artifacts (LayersModel or GraphModel) from disk into a Model: `path` is a
 * model.json or the directory holding one. model.json must be a regular file of at most
 * `MAX_MODEL_JSON_BYTES` (256 MiB). Shard paths must stay inside that directory, by name (no
 * URLs, absolute paths or `..`) and by real path (no symlink to a file outside, no path through
 * a symlinked directory leading out, unless `followLinksOutside`); each must be a regular file
 * listed once (by name and by real path, so the weights never outgrow the bytes on disk), its
 * size checked against the manifest before it is read and its SHA-256 against whittle's section
 * when recorded. Throws `malformed-file` naming the model.json and the field at fault (a missing
 * shard included), `invalid-argument` when model.json itself cannot be opened or is not a
 * regular file.
 *
 * @example
 * ```ts
 * const model = await readTfjsModelFile('models/mnist/model.json');
 * console.table(listParams(model));
 * ```
 */
export async function readTfjsModelFile(path: string, options: ReadTfjsModelFileOptions = {}): Promise<Model> {
  const file = await modelJsonPath(path);
  const parsed = parseModelJson(await readModelJson(file), file);
  const directory = dirname(file);
  const fields = new Map<string, string>();
  parsed.weightsManifest.forEach((group, groupIndex) =>
    group.paths.forEach((shard, index) => {
      if (!fields.has(shard)) fields.set(shard, `weightsManifest[${groupIndex}].paths[${index}]`);
    })
  );
  const shardError = (shard: string, reason: string, error?: unknown): WhittleError => {
    const cause = describeCause(error);
    return new WhittleError(
      'malformed-file',
      `the weight shard ${describeValue(shard)} ${reason}${cause === '' ? '' : ` (${cause})`}`,
      { file, field: fields.get(shard) ?? 'weightsManifest' },
      error === undefined ? undefined : { cause: error }
    );
  };
  let realDirectory: string | undefined;
  const spellings = new Map<string, string>();
  const locate = async (shard: string): Promise<string> => {
    let real: string;
    try {
      realDirectory ??= await realpath(directory);
      real = await realpath(join(directory, shard));
    } catch (error) {
      throw shardError(shard, 'cannot be read', error);
    }
    if (options.followLinksOutside !== true && !isBelow(real, realDirectory)) {
      throw shardError(shard, 'is a link to a file outside the model directory; pass followLinksOutside to allow it');
    }
    // Two names for one file would declare its bytes twice (see parseModelJson's listed-twice check).
    const other = spellings.get(real);
    if (other !== undefined && other !== shard) throw shardError(shard, `is the same file as the shard ${describeValue(other)}`);
    spellings.set(real, shard);
    return real;
  };
  // Each shard is listed once, by name (parseModelJson) and by real path (locate), so each is
  // opened once for its size and once for its bytes.
  const openShard = async (shard: string): Promise<RegularFile> => {
    const real = await locate(shard);
    try {
      return await openRegularFile(real, 'cannot open');
    } catch (error) {
      // openRegularFile's own refusal (a FIFO, a device) has no cause; a failed open has one.
      const cause = (error as { cause?: unknown }).cause;
      throw cause === undefined ? shardError(shard, 'is not a regular file') : shardError(shard, 'cannot be read', cause);
    }
  };
  const shardByteLength = async (shard: string): Promise<number> => {
    const opened = await openShard(shard);
    await opened.handle.close();
    return opened.size;
  };
  const loadShard = async (shard: string): Promise<Uint8Array> => {
    const opened = await openShard(shard);
    try {
      return await readWhole(opened, () => shardError(shard, 'changed while it was read'));
    } catch (error) {
      throw error instanceof WhittleError ? error : shardError(shard, 'cannot be read', error);
    } finally {
      await opened.handle.close();
    }
  };
  return readParsedTfjsModel(parsed, loadShard, { file, shardByteLength });
}

/**
 * model.json's bytes: a regular file of at most `MAX_MODEL_JSON_BYTES`, read from the open
 * handle. Internal to `@whittle/core/fs`.
 *
 * @example
 * ```ts
 * const parsed = parseModelJson(await readModelJson('out/model.json'), 'out/model.json');
 * ```
 */
export async function readModelJson(file: string): Promise<Uint8Array> {
  const opened = await openRegularFile(file, 'cannot read model.json');
  try {
    if (opened.size > MAX_MODEL_JSON_BYTES) {
      malformed(`model.json is ${opened.size} bytes, over the ${MAX_MODEL_JSON_BYTES}-byte limit`, file);
    }
    return await readWhole(opened, () =>
      new WhittleError('malformed-file', 'model.json changed while it was read', { file })
    );
  } catch (error) {
    throw error instanceof WhittleError ? error : fileError(file, 'cannot read model.json', error);
  } finally {
    await opened.handle.close();
  }
}

/** Exactly the `size` bytes `fstat` gave: a file that shrinks or grows meanwhile is an error. */
async function readWhole(opened: RegularFile, changed: () => WhittleError): Promise<Uint8Array> {
  const bytes = new Uint8Array(opened.size);
  let filled = 0;
  while (filled < bytes.byteLength) {
    const { bytesRead } = await opened.handle.read(bytes, filled, bytes.byteLength - filled, filled);
    if (bytesRead === 0) throw changed();
    filled += bytesRead;
  }
  const { bytesRead } = await opened.handle.read(new Uint8Array(1), 0, 1, filled);
  if (bytesRead !== 0) throw changed();
  return bytes;
}
