/**
 * Writing TFJS artifacts to disk: shards first, model.json last, each atomically, never over
 * the input.
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WhittleError } from '../errors.ts';
import { checkWeightPath } from '../formats/tfjs/weight-path.ts';
import { writeTfjsArtifacts, type WriteTfjsArtifactsOptions } from '../formats/tfjs/write-tfjs-artifacts.ts';
import type { Model } from '../model/types.ts';
import { assertSafeOutput, exists, writeFileAtomic, type WriteOptions } from './atomic-file.ts';
import { fileError } from './file-source.ts';

/** Options of {@link writeTfjsModelFiles}. */
export interface WriteTfjsModelFilesOptions extends WriteTfjsArtifactsOptions, WriteOptions {
  /** What the model was read from (files or directories): never overwritten, nor written beside without `force`. */
  readonly inputs?: readonly string[];
}

/** The files {@link writeTfjsModelFiles} wrote. */
export interface TfjsModelFiles {
  readonly modelJson: string;
  readonly shards: readonly string[];
}

/**
 * Writes a model as TFJS artifacts into `directory` (created if needed): the shards, then
 * model.json, each through a temporary file renamed into place, so a reader never sees a
 * model.json whose shards are missing. Refuses an output that is one of `inputs` (always) or
 * lies in an input's directory (without `force`), and existing files (without `force`), before
 * writing anything; on failure removes the shards it had written. See `writeTfjsArtifacts` for
 * what is written in stock form.
 *
 * @example
 * ```ts
 * const model = await readTfjsModelFile('in/model.json');
 * await writeTfjsModelFiles(decompress(model, { dtype: 'uint8' }), 'out', { inputs: ['in/model.json'] });
 * ```
 */
export async function writeTfjsModelFiles(
  model: Model,
  directory: string,
  options: WriteTfjsModelFilesOptions = {}
): Promise<TfjsModelFiles> {
  const force = options.force === true;
  await assertSafeOutput(options.inputs ?? [], directory, { force });
  const { modelJson, shards } = writeTfjsArtifacts(model, options);
  const jsonPath = join(directory, 'model.json');
  const shardPaths = shards.map((shard) => join(directory, shard.path));
  // Even with force, no file we write may be an input: model.json or a shard it names.
  const inputs = await inputFiles(options.inputs ?? []);
  for (const path of [...shardPaths, jsonPath]) await assertSafeOutput(inputs, path, { force: true });
  if (!force) {
    for (const path of [...shardPaths, jsonPath]) {
      if (await exists(path)) {
        throw new WhittleError('invalid-argument', 'the output exists already; pass force to replace it', {
          file: path,
        });
      }
    }
  }
  const written: string[] = [];
  try {
    for (const [index, shard] of shards.entries()) {
      const path = shardPaths[index]!;
      await makeDirectory(dirname(path));
      await writeFileAtomic(path, shard.bytes, { force });
      written.push(path);
    }
    await makeDirectory(directory);
    await writeFileAtomic(jsonPath, new TextEncoder().encode(JSON.stringify(modelJson)), { force });
  } catch (error) {
    // Without force nothing was there before, so removing our shards restores the directory.
    if (!force) await Promise.all(written.map((path) => rm(path, { force: true })));
    throw error;
  }
  return { modelJson: jsonPath, shards: shardPaths };
}

/** The inputs, plus the model.json of an input directory and the shards an input model.json names. */
async function inputFiles(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    files.push(input);
    const isDirectory = await stat(input).then(
      (info) => info.isDirectory(),
      () => false
    );
    const json = isDirectory ? join(input, 'model.json') : input;
    if (isDirectory) files.push(json);
    let manifest: unknown;
    try {
      manifest = (JSON.parse(await readFile(json, 'utf8')) as { weightsManifest?: unknown }).weightsManifest;
    } catch {
      continue; // Not a readable model.json: only the paths themselves are protected.
    }
    for (const group of Array.isArray(manifest) ? manifest : []) {
      for (const path of Array.isArray(group?.paths) ? (group.paths as unknown[]) : []) {
        try {
          files.push(join(dirname(json), checkWeightPath(path, json, 'paths')));
        } catch {
          // A path that escapes is never one we write.
        }
      }
    }
  }
  return files;
}

async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw fileError(path, 'cannot create the output directory', error);
  }
}
