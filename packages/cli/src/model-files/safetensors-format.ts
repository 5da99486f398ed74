import { WhittleError } from '@whittle/core';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { compressSafetensorsModel } from '../compress/compress-safetensors.ts';
import { decompressSafetensors } from '../compress/decompress-file.ts';
import { inspectSafetensors } from './inspect-model.ts';
import type { ModelFormat, ModelLocation } from './model-format.ts';

/** One safetensors file. */
export interface SafetensorsLocation extends ModelLocation {
  readonly format: 'safetensors';
}

/**
 * One safetensors file: any regular file no format before it claims (its header says whether it
 * is one); written as one file, inside `-o` when that is a directory.
 */
export const safetensorsFormat: ModelFormat<SafetensorsLocation> = {
  name: 'safetensors',
  writesShards: false,
  detect: async ({ path, isDirectory }) => (isDirectory ? undefined : { format: 'safetensors', path }),
  inputs: (location) => [location.path],
  async outputPath(location, output) {
    if (output.toLowerCase().endsWith('.json')) {
      throw new WhittleError('invalid-argument', 'a safetensors model is written as a .safetensors file; give -o a file name or a directory', { file: output });
    }
    const target = (await isDirectory(output)) ? join(output, basename(location.path)) : output;
    return { target, existing: target };
  },
  writtenPath: (target) => target,
  inspect: (location) => inspectSafetensors(location.path),
  compress: (location, target, steps, options) =>
    compressSafetensorsModel(location.path, target, steps, {
      force: options.force,
      progress: options.note,
      onParam: (param, done, total) => options.onProgress({ param, done, total }),
      ...(options.resources === undefined ? {} : { resources: options.resources }),
    }),
  decompress: (location, target, options) => decompressSafetensors(location.path, target, options),
};

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
