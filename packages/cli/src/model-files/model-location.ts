import { WhittleError } from '@whittle/core';
import { fileError, openRegularFile } from '@whittle/core/fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Where a model lives on disk, and in which format. */
export type ModelLocation = TfjsLocation | SafetensorsLocation;

/** TFJS artifacts: a model.json and the shards beside it. */
export interface TfjsLocation {
  readonly format: 'tfjs';
  /** The path as the user gave it. */
  readonly path: string;
  readonly modelJson: string;
  /** The directory holding model.json (and, by tfjs's rules, its shards). */
  readonly directory: string;
}

/** One safetensors file. */
export interface SafetensorsLocation {
  readonly format: 'safetensors';
  readonly path: string;
}

/**
 * Finds the model at `path`: a directory holding a `model.json`, a model.json itself, or a
 * safetensors file. Names decide where they can (`.json`, `.safetensors`); otherwise the first
 * byte does (a model.json starts with `{`, a safetensors file with its header length). Throws a
 * one-line WhittleError naming the path when it cannot be opened, is neither a directory nor a
 * regular file (a FIFO, `/dev/zero`: refused before any read, never waited on) or holds no
 * model.json.
 *
 * @example
 * ```ts
 * const location = await locateModel('models/mnist'); // { format: 'tfjs', modelJson: 'models/mnist/model.json', … }
 * ```
 */
export async function locateModel(path: string): Promise<ModelLocation> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw fileError(path, 'cannot open the model', error);
  }
  if (info.isDirectory()) {
    const modelJson = join(path, 'model.json');
    if (!(await isFile(modelJson))) {
      throw new WhittleError('invalid-argument', 'the directory holds no model.json; give a model.json, a directory holding one, or a .safetensors file', { file: path });
    }
    return { format: 'tfjs', path, modelJson, directory: path };
  }
  if (!info.isFile()) {
    throw new WhittleError('invalid-argument', 'cannot open the model: it is not a regular file or a directory', { file: path });
  }
  const lower = path.toLowerCase();
  const isJson = lower.endsWith('.json') || (!lower.endsWith('.safetensors') && (await firstByte(path)) === '{'.charCodeAt(0));
  return isJson ? { format: 'tfjs', path, modelJson: path, directory: dirname(path) } : { format: 'safetensors', path };
}

/**
 * The files and directories a model is read from, for `assertSafeOutput`: the model.json and
 * its directory (so an output there is refused), or the safetensors file.
 *
 * @example
 * ```ts
 * await assertSafeOutput(modelInputs(location), output, { force });
 * ```
 */
export function modelInputs(location: ModelLocation): string[] {
  return location.format === 'tfjs' ? [location.directory, location.modelJson] : [location.path];
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function firstByte(path: string): Promise<number | undefined> {
  // Opened without blocking and checked on the handle: the name may have changed since stat.
  const { handle } = await openRegularFile(path, 'cannot open the model');
  try {
    const { bytesRead, buffer } = await handle.read(new Uint8Array(1), 0, 1, 0);
    return bytesRead === 1 ? buffer[0] : undefined;
  } finally {
    await handle.close();
  }
}
