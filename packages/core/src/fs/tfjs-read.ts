/**
 * Reading TFJS artifacts from disk: model.json and its shards, shard sizes checked against the
 * manifest (by `stat`) before a byte of them is read.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WhittleError } from '../errors.ts';
import { parseModelJson } from '../formats/tfjs/parse-model-json.ts';
import { readParsedTfjsModel } from '../formats/tfjs/read-tfjs-model.ts';
import type { Model } from '../model/types.ts';
import { fileError } from './file-source.ts';

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
 * model.json or the directory holding one. Shard paths must stay inside that directory (no
 * URLs, absolute paths or `..`); every shard's size is checked against the manifest before it
 * is read. Throws `malformed-file` naming the model.json and the field at fault (a missing shard
 * included), `invalid-argument` when model.json itself cannot be opened.
 *
 * @example
 * ```ts
 * const model = await readTfjsModelFile('models/mnist/model.json');
 * console.table(listParams(model));
 * ```
 */
export async function readTfjsModelFile(path: string): Promise<Model> {
  const file = await modelJsonPath(path);
  let text: Uint8Array;
  try {
    text = await readFile(file);
  } catch (error) {
    throw fileError(file, 'cannot read model.json', error);
  }
  const parsed = parseModelJson(text, file);
  const directory = dirname(file);
  const fields = new Map<string, string>();
  parsed.weightsManifest.forEach((group, groupIndex) =>
    group.paths.forEach((shard, index) => fields.set(shard, `weightsManifest[${groupIndex}].paths[${index}]`))
  );
  const shardError = (shard: string, error: unknown): WhittleError => {
    const code = (error as { code?: string } | undefined)?.code;
    return new WhittleError(
      'malformed-file',
      `the weight shard ${shard} cannot be read${code === undefined ? '' : ` (${code})`}`,
      {
        file,
        field: fields.get(shard) ?? 'weightsManifest',
      },
      { cause: error }
    );
  };
  const shardByteLength = async (shard: string): Promise<number> => {
    let info;
    try {
      info = await stat(join(directory, shard));
    } catch (error) {
      throw shardError(shard, error);
    }
    if (!info.isFile()) throw shardError(shard, { code: 'not a file' });
    return info.size;
  };
  const loadShard = async (shard: string): Promise<Uint8Array> => {
    try {
      const bytes = await readFile(join(directory, shard));
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      throw shardError(shard, error);
    }
  };
  return readParsedTfjsModel(parsed, loadShard, { file, shardByteLength });
}
