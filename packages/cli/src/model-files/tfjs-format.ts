import { WhittleError, decompress } from '@whittle/core';
import { readTfjsModelFile, writeTfjsModelFiles } from '@whittle/core/fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sizeOf } from '../compress/compress-report.ts';
import { compressTfjsModel } from '../compress/compress-tfjs.ts';
import { inspectTfjs } from './inspect-model.ts';
import type { ModelFormat, ModelLocation } from './model-format.ts';

/** TFJS artifacts: a model.json and the shards beside it. */
export interface TfjsLocation extends ModelLocation {
  readonly format: 'tfjs';
  readonly modelJson: string;
  /** The directory holding model.json (and, by tfjs's rules, its shards). */
  readonly directory: string;
}

/**
 * TFJS artifacts: a directory holding a model.json, a `.json` file, or a file whose first byte
 * is `{`; written as a directory of model.json and shards.
 */
export const tfjsFormat: ModelFormat<TfjsLocation> = {
  name: 'tfjs',
  writesShards: true,
  async detect({ path, isDirectory, firstByte }) {
    if (isDirectory) {
      const modelJson = join(path, 'model.json');
      if (!(await isFile(modelJson))) {
        throw new WhittleError('invalid-argument', 'the directory holds no model.json; give a model.json, a directory holding one, or a .safetensors file', { file: path });
      }
      return { format: 'tfjs', path, modelJson, directory: path };
    }
    const lower = path.toLowerCase();
    const isJson = lower.endsWith('.json') || (!lower.endsWith('.safetensors') && (await firstByte()) === '{'.charCodeAt(0));
    return isJson ? { format: 'tfjs', path, modelJson: path, directory: dirname(path) } : undefined;
  },
  inputs: (location) => [location.directory, location.modelJson],
  async outputPath(_location, output) {
    const lower = output.toLowerCase();
    if (lower.endsWith('.json') || lower.endsWith('.safetensors')) {
      throw new WhittleError('invalid-argument', 'a TFJS model is written as a directory (model.json and shards); give -o a directory', { file: output });
    }
    return { target: output, existing: join(output, 'model.json') };
  },
  writtenPath: (target) => join(target, 'model.json'),
  inspect: (location) => inspectTfjs(location.modelJson),
  compress: (location, target, steps, options) =>
    compressTfjsModel(location, target, steps, {
      force: options.force,
      ...(options.shardBytes === undefined ? {} : { shardBytes: options.shardBytes }),
      ...(options.resources === undefined ? {} : { resources: options.resources }),
      onProgress: options.onProgress,
      onStep: options.onStep,
    }),
  async decompress(location, target, { dtype, force }) {
    const model = await readTfjsModelFile(location.modelJson);
    const plain = decompress(model, { dtype });
    await writeTfjsModelFiles(plain, target, { force, inputs: tfjsFormat.inputs(location) });
    return { input: sizeOf(model), output: sizeOf(plain), dtype };
  },
};

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
