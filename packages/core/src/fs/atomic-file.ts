import { link, lstat, mkdir, open, realpath, rename, rm, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { WhittleError } from '../errors.ts';
import type { ByteSink } from '../formats/byte-source.ts';
import { fileError } from './file-source.ts';
import { isBelow } from './is-below.ts';
import { releaseTemporary, temporaryPath, trackTemporary } from './temporary-files.ts';

/** Options for writing outputs. */
export interface WriteOptions {
  /** Replace an existing output (never an input: see {@link assertSafeOutput}). */
  readonly force?: boolean;
}

/** A temporary file beside an output, moved into place by `commit` or removed by `discard`. */
export interface AtomicFile {
  readonly handle: FileHandle;
  /** Flushes, closes and moves the file into place; on failure removes it. Call once. */
  commit(): Promise<void>;
  /** Closes and removes the file. Safe after a failed `commit`. */
  discard(): Promise<void>;
}

/**
 * Opens a temporary file beside `path` for an atomic write: readers never see a half-written
 * output, and a failure (or Ctrl-C) leaves nothing behind. Without `force`, an existing `path`
 * is an error before anything is written, and again at the end: the file is put in place with a
 * hard link, which fails if another writer got there first, so two writers of one new output
 * never both succeed. With `force` it is renamed over `path`. The temporary's name is short and
 * fixed (`.whittle-<16 hex>.tmp`), so it fits wherever `path` fits. `flags` is `'wx'`, or `'wx+'`
 * to read back what was written.
 *
 * @example
 * ```ts
 * const file = await openAtomicFile('out.bin');
 * try { await file.handle.write(bytes); await file.commit(); } catch (error) { await file.discard(); throw error; }
 * ```
 */
export async function openAtomicFile(path: string, options: WriteOptions = {}, flags: 'wx' | 'wx+' = 'wx'): Promise<AtomicFile> {
  const force = options.force === true;
  if (!force && (await exists(path))) throw outputExists(path);
  const temporary = temporaryPath(path);
  trackTemporary(temporary);
  let handle: FileHandle;
  try {
    handle = await open(temporary, flags);
  } catch (error) {
    releaseTemporary(temporary);
    throw fileError(path, 'cannot create the output', error);
  }
  let closed = false;
  const remove = async (): Promise<void> => {
    await rm(temporary, { force: true }).catch(() => undefined);
    releaseTemporary(temporary);
  };
  return {
    handle,
    async commit() {
      try {
        await handle.sync();
        closed = true;
        await handle.close();
      } catch (error) {
        await remove();
        throw fileError(path, 'cannot finish writing the output', error);
      }
      try {
        await placeFile(temporary, path, force);
      } finally {
        await remove();
      }
    },
    async discard() {
      if (!closed) await handle.close().catch(() => undefined);
      closed = true;
      await remove();
    },
  };
}

/**
 * Moves a finished temporary file to `path`: with `force` a rename (atomic replacement), without
 * it a hard link that fails if `path` exists, so the existence check and the placement cannot
 * race. Where the file system has no hard links, it falls back to check-then-rename. The
 * temporary is left for the caller to remove.
 */
async function placeFile(temporary: string, path: string, force: boolean): Promise<void> {
  try {
    if (force) {
      await rename(temporary, path);
      return;
    }
    try {
      await link(temporary, path);
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'EEXIST') throw outputExists(path);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    }
    if (await exists(path)) throw outputExists(path);
    await rename(temporary, path);
  } catch (error) {
    if (error instanceof WhittleError) throw error;
    throw fileError(path, 'cannot put the output in place', error);
  }
}

/** The typed error for an output that exists (or appeared while writing). */
export function outputExists(path: string): WhittleError {
  return new WhittleError('invalid-argument', 'the output exists already; pass force to replace it', { file: path });
}

/**
 * A sink that writes to a temporary file beside `path` and moves it into place on `close`, so
 * readers never see a half-written output and a failure leaves nothing behind. Without `force`, an
 * existing `path` is an error before anything is written, and placement never replaces a file
 * (see {@link openAtomicFile}). Write errors (a full disk) are typed errors naming `path`.
 *
 * @example
 * ```ts
 * const sink = await atomicFileSink('out.safetensors');
 * try { await sink.write(bytes); await sink.close(); } catch (error) { await sink.abort(error); throw error; }
 * ```
 */
export async function atomicFileSink(path: string, options: WriteOptions = {}): Promise<ByteSink> {
  const file = await openAtomicFile(path, options);
  let finished = false;
  return {
    async write(chunk) {
      await writeAll(file.handle, chunk, undefined, path);
    },
    async close() {
      if (finished) return;
      finished = true;
      await file.commit();
    },
    async abort() {
      if (finished) return;
      finished = true;
      await file.discard();
    },
  };
}

/**
 * Writes all of `bytes` to `handle` (at `position`, or where the file stands), wrapping a failure
 * (`ENOSPC`, `EIO`) as a typed error naming `path`, the output being written.
 *
 * @example
 * ```ts
 * await writeAll(file.handle, header, 0, 'out.safetensors');
 * ```
 */
export async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number | undefined, path: string): Promise<void> {
  try {
    for (let written = 0; written < bytes.byteLength; ) {
      const at = position === undefined ? null : position + written;
      const { bytesWritten } = await handle.write(bytes, written, bytes.byteLength - written, at);
      written += bytesWritten;
    }
  } catch (error) {
    throw fileError(path, 'cannot write the output', error);
  }
}

/**
 * Writes `bytes` to `path` atomically (temporary file, then rename or no-replace link).
 *
 * @example
 * ```ts
 * await writeFileAtomic('model.json', new TextEncoder().encode(json), { force: true });
 * ```
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, options: WriteOptions = {}): Promise<void> {
  const sink = await atomicFileSink(path, options);
  try {
    await sink.write(bytes);
    await sink.close();
  } catch (error) {
    await sink.abort(error);
    throw error;
  }
}

/**
 * Creates `directory` and any missing parents, and returns a function that removes the ones it
 * created if they are still empty: an output that failed leaves no empty folder behind.
 *
 * @example
 * ```ts
 * const undo = await makeOutputDirectory('out/model');
 * try { await write(); } catch (error) { await undo(); throw error; }
 * ```
 */
export async function makeOutputDirectory(directory: string): Promise<() => Promise<void>> {
  const created: string[] = [];
  for (let path = resolve(directory); !(await exists(path)); path = dirname(path)) {
    created.push(path);
    if (dirname(path) === path) break;
  }
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    throw fileError(directory, 'cannot create the output directory', error);
  }
  return async () => {
    // Deepest first; rmdir removes only empty folders, so nothing of anyone else's goes.
    for (const path of created) await rmdir(path).catch(() => undefined);
  };
}

/**
 * Refuses an output that is one of the inputs, whatever `force` says: the same real path
 * (through symlinks, `./x` and other spellings) or the same file under another name (a hard
 * link: same device and inode). An input directory (TFJS artifacts, whose shards are at stake)
 * also refuses, without `force`, an output inside it or one that holds it. An output beside a
 * single-file input is fine (`model-f16.safetensors` next to `model.safetensors`); an output
 * that exists is the writer's to refuse without `force`.
 *
 * @example
 * ```ts
 * await assertSafeOutput(['in', 'in/model.json'], 'out', { force: false });
 * await assertSafeOutput(['model.safetensors'], 'model-f16.safetensors'); // fine
 * ```
 */
export async function assertSafeOutput(inputs: readonly string[], output: string, options: WriteOptions = {}): Promise<void> {
  const target = await canonical(output);
  const targetInfo = await statOf(target);
  for (const input of inputs) {
    const source = await canonical(input);
    const sourceInfo = await statOf(source);
    const sameFile =
      sourceInfo !== undefined &&
      targetInfo !== undefined &&
      sourceInfo.dev === targetInfo.dev &&
      sourceInfo.ino === targetInfo.ino;
    if (source === target || sameFile) {
      throw new WhittleError('invalid-argument', `the output is the input ${input}; choose another output`, { file: output });
    }
    if (sourceInfo?.isDirectory() === true && !options.force && (isInside(target, source) || isInside(source, target))) {
      throw new WhittleError(
        'invalid-argument',
        `the output would be written inside or over the model directory ${input}; pass force to allow it`,
        { file: output },
      );
    }
  }
}

/** True when `path` exists (a dangling symlink counts: writing through it is refused too). */
export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes `path` if it is a regular file, wrapping a failure as a typed error naming it.
 *
 * @example
 * ```ts
 * await removeFile('out/group1-shard1of2.bin');
 * ```
 */
export async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return;
    throw fileError(path, 'cannot remove the previous output', error);
  }
}

function isInside(path: string, directory: string): boolean {
  return path === directory || isBelow(path, directory);
}

async function statOf(path: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest. */
async function canonical(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(await canonical(parent), basename(absolute));
  }
}
