import { randomUUID } from 'node:crypto';
import { open, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { WhittleError } from '../errors.ts';
import type { ByteSink } from '../formats/byte-source.ts';
import { fileError } from './file-source.ts';

/** Options for writing outputs. */
export interface WriteOptions {
  /** Replace an existing output (never an input: see {@link assertSafeOutput}). */
  readonly force?: boolean;
}

/** A temporary file beside an output, renamed into place by `commit` or removed by `discard`. */
export interface AtomicFile {
  readonly handle: FileHandle;
  /** Flushes, closes and renames the file into place; on failure removes it. Call once. */
  commit(): Promise<void>;
  /** Closes and removes the file. Safe after a failed `commit`. */
  discard(): Promise<void>;
}

/**
 * Opens a temporary file beside `path` for an atomic write: readers never see a half-written
 * output, and a failure leaves nothing behind. Without `force`, an existing `path` is an error
 * before anything is written. `flags` is `'wx'`, or `'wx+'` to read back what was written.
 *
 * @example
 * ```ts
 * const file = await openAtomicFile('out.bin');
 * try { await file.handle.write(bytes); await file.commit(); } catch (error) { await file.discard(); throw error; }
 * ```
 */
export async function openAtomicFile(path: string, options: WriteOptions = {}, flags: 'wx' | 'wx+' = 'wx'): Promise<AtomicFile> {
  if (!options.force && (await exists(path))) {
    throw new WhittleError('invalid-argument', 'the output exists already; pass force to replace it', { file: path });
  }
  const temporary = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  let handle: FileHandle;
  try {
    handle = await open(temporary, flags);
  } catch (error) {
    throw fileError(path, 'cannot create the output', error);
  }
  let closed = false;
  return {
    handle,
    async commit() {
      try {
        await handle.sync();
        closed = true;
        await handle.close();
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw fileError(path, 'cannot finish writing the output', error);
      }
    },
    async discard() {
      if (!closed) await handle.close().catch(() => undefined);
      closed = true;
      await rm(temporary, { force: true });
    },
  };
}

/**
 * A sink that writes to a temporary file beside `path` and renames it into place on `close`, so
 * readers never see a half-written output and a failure leaves nothing behind. Without `force`, an
 * existing `path` is an error before anything is written.
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
      let written = 0;
      while (written < chunk.byteLength) {
        const { bytesWritten } = await file.handle.write(chunk, written, chunk.byteLength - written);
        written += bytesWritten;
      }
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
 * Writes `bytes` to `path` atomically (temporary file, then rename).
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
 * Refuses an output that is one of the inputs, whatever `force` says, and (without `force`) an
 * output inside the directory of an input, so whittle never overwrites what it reads.
 *
 * @example
 * ```ts
 * await assertSafeOutput(['in/model.json', 'in/group1-shard1of1.bin'], 'out', { force: false });
 * ```
 */
export async function assertSafeOutput(inputs: readonly string[], output: string, options: WriteOptions = {}): Promise<void> {
  const target = await canonical(output);
  for (const input of inputs) {
    const source = await canonical(input);
    if (source === target) {
      throw new WhittleError('invalid-argument', `the output is the input ${input}; choose another output`, { file: output });
    }
    const inputDirectory = (await isDirectory(source)) ? source : dirname(source);
    if (!options.force && (isInside(target, inputDirectory) || isInside(source, target))) {
      throw new WhittleError(
        'invalid-argument',
        `the output would be written beside or over the input ${input}; pass force to allow it`,
        { file: output },
      );
    }
  }
}

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function isInside(path: string, directory: string): boolean {
  return path === directory || path.startsWith(directory.endsWith(sep) ? directory : `${directory}${sep}`);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
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
