import { WhittleError } from '@whittle/core';
import { fileError, openRegularFile } from '@whittle/core/fs';
import { stat } from 'node:fs/promises';
import { formatOf, MODEL_FORMATS, type ModelLocation } from './model-format.ts';

export type { ModelLocation } from './model-format.ts';

/**
 * Finds the model at `path`, asking each format in turn (see `MODEL_FORMATS`): a directory
 * holding a `model.json`, a model.json itself, or a safetensors file. Names decide where they
 * can (`.json`, `.safetensors`); otherwise the first byte does (a model.json starts with `{`, a
 * safetensors file with its header length). Throws a one-line WhittleError naming the path when
 * it cannot be opened, is neither a directory nor a regular file (a FIFO, `/dev/zero`: refused
 * before any read, never waited on) or holds no model.json.
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
  if (!info.isDirectory() && !info.isFile()) {
    throw new WhittleError('invalid-argument', 'cannot open the model: it is not a regular file or a directory', { file: path });
  }
  let first: Promise<number | undefined> | undefined;
  const candidate = { path, isDirectory: info.isDirectory(), firstByte: () => (first ??= firstByte(path)) };
  for (const format of MODEL_FORMATS) {
    const location = await format.detect(candidate);
    if (location !== undefined) return location;
  }
  throw new WhittleError('invalid-argument', 'not a model whittle reads; give a .safetensors file, a model.json, or the directory holding one', { file: path });
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
  return formatOf(location).inputs(location);
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
