/**
 * Writing TFJS artifacts to disk so that the directory holds a complete model at every instant:
 * new shards go in under names no file has, model.json is switched last (one rename), and only
 * then are the shards the previous model.json listed removed. Never over the input.
 */
import { randomBytes } from 'node:crypto';
import { lstat, realpath, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseModelJson } from '../formats/tfjs/parse-model-json.ts';
import { withShardHashes } from '../formats/tfjs/shard-hashes.ts';
import { writeTfjsArtifacts, type TfjsArtifacts, type WriteTfjsArtifactsOptions } from '../formats/tfjs/write-tfjs-artifacts.ts';
import { WhittleError } from '../errors.ts';
import type { Model } from '../model/types.ts';
import {
  assertSafeOutput,
  exists,
  makeOutputDirectory,
  outputExists,
  removeFile,
  writeFileAtomic,
  type WriteOptions,
} from './atomic-file.ts';
import { isBelow } from './is-below.ts';
import { readModelJson } from './tfjs-read.ts';

/** Options of {@link writeTfjsModelFiles}. */
export interface WriteTfjsModelFilesOptions extends WriteTfjsArtifactsOptions, WriteOptions {
  /**
   * What the model was read from (files or directories): never overwritten; a model directory
   * (given, or holding a given model.json) is not written into without `force`.
   */
  readonly inputs?: readonly string[];
}

/** The files {@link writeTfjsModelFiles} wrote. */
export interface TfjsModelFiles {
  readonly modelJson: string;
  readonly shards: readonly string[];
}

/**
 * Writes a model as TFJS artifacts into `directory` (created if needed, removed again if the
 * write fails and it is empty). Each shard is written to a hidden temporary file and put in
 * place under a name no file has yet (the stock `group1-shardKofN.bin`, or, when a file holds
 * that name, a variant with a random tag), model.json last; model.json records every shard's
 * SHA-256, so a reader refuses shards that are not these. Without `force` an existing
 * model.json is refused, and two writers racing for one new output never both succeed. With
 * `force` model.json is replaced in one rename, then the shards the previous model.json listed
 * are removed, and nothing else: at every instant the directory holds the complete old model or
 * the complete new one. Refuses an output that is one of `inputs` (always) or lies in an input
 * model's directory (without `force`), before writing anything. See `writeTfjsArtifacts` for
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
  const given = options.inputs ?? [];
  // A model.json's shards sit beside it: its directory is at stake as much as the file.
  const jsonDirectories = given.filter((input) => input.toLowerCase().endsWith('.json')).map((input) => dirname(input));
  await assertSafeOutput([...given, ...jsonDirectories], directory, { force });
  const jsonPath = join(directory, 'model.json');
  // Even with force, no file we write or remove may be an input: model.json or a shard it names.
  const inputs = await inputFiles(given);
  await assertSafeOutput(inputs, jsonPath, { force: true });
  if (!force && (await exists(jsonPath))) throw outputExists(jsonPath);
  const previous = force ? await listedShards(jsonPath) : [];
  const artifacts = await withShardHashes(await freeNames(writeTfjsArtifacts(model, options), directory, previous));
  const shardPaths = artifacts.shards.map((shard) => join(directory, shard.path));
  for (const path of shardPaths) await assertSafeOutput(inputs, path, { force: true });
  // Before anything is written: a topology JSON cannot hold (cyclic, or deep enough to overflow
  // the stack) is the model's fault, and must not leave shards behind.
  const jsonText = modelJsonText(artifacts.modelJson);
  const undo: Array<() => Promise<void>> = [await makeOutputDirectory(directory)];
  const placed: string[] = [];
  try {
    for (const [index, shard] of artifacts.shards.entries()) {
      const path = shardPaths[index]!;
      undo.push(await makeOutputDirectory(dirname(path)));
      // Never over a file: a name taken meanwhile (another writer) is an error, not a loss.
      await writeFileAtomic(path, shard.bytes);
      placed.push(path);
    }
    await writeFileAtomic(jsonPath, new TextEncoder().encode(jsonText), { force });
  } catch (error) {
    // Only what this call put in place goes: the previous output, if any, is as it was.
    for (const path of placed) await removeFile(path).catch(() => undefined);
    for (const undoOne of undo.reverse()) await undoOne();
    throw error;
  }
  const kept = new Set(artifacts.shards.map((shard) => shard.path));
  await removePreviousShards(
    directory,
    previous.filter((path) => !kept.has(path)),
    inputs
  );
  return { modelJson: jsonPath, shards: shardPaths };
}

function modelJsonText(modelJson: TfjsArtifacts['modelJson']): string {
  try {
    return JSON.stringify(modelJson);
  } catch (error) {
    throw new WhittleError(
      'invalid-model',
      `the topology cannot be written as JSON (${error instanceof RangeError ? 'it nests too deep' : 'it refers to itself'})`,
      { field: 'topology' },
      { cause: error }
    );
  }
}

/**
 * The artifacts with every shard under a name no file in `directory` has and the previous
 * model.json does not list: the stock names when they are all free, otherwise each with the
 * same random tag (`group1-shard1of2-<tag>.bin`), so no shard of the previous output (nor any
 * other file) is ever overwritten.
 */
async function freeNames(artifacts: TfjsArtifacts, directory: string, previous: readonly string[]): Promise<TfjsArtifacts> {
  const listed = new Set(previous);
  let free = true;
  for (const shard of artifacts.shards) {
    if (listed.has(shard.path) || (await exists(join(directory, shard.path)))) free = false;
  }
  if (free) return artifacts;
  for (;;) {
    const tag = randomBytes(4).toString('hex');
    const rename = (path: string): string => path.replace(/(\.bin)?$/, `-${tag}$1`);
    let clash = false;
    for (const shard of artifacts.shards) {
      if (listed.has(rename(shard.path)) || (await exists(join(directory, rename(shard.path))))) clash = true;
    }
    if (clash) continue;
    const manifest = artifacts.modelJson.weightsManifest.map((group) => ({ ...group, paths: group.paths.map(rename) }));
    return {
      modelJson: { ...artifacts.modelJson, weightsManifest: manifest },
      shards: artifacts.shards.map((shard) => ({ path: rename(shard.path), bytes: shard.bytes })),
    };
  }
}

/** The shard paths a model.json lists (each once), or none when it is absent or not a valid model.json. */
async function listedShards(jsonPath: string): Promise<string[]> {
  try {
    const parsed = parseModelJson(await readModelJson(jsonPath), jsonPath);
    return [...new Set(parsed.weightsManifest.flatMap((group) => group.paths))];
  } catch {
    // Nothing readable was there: there is nothing of it to remove.
    return [];
  }
}

/**
 * Removes the previous output's shards: only regular files whose real path is inside
 * `directory` (a path through a linked folder could lead anywhere) and that are not inputs.
 */
async function removePreviousShards(directory: string, paths: readonly string[], inputs: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  const root = await realpath(directory);
  const modelJson = await realpath(join(directory, 'model.json')).catch(() => undefined);
  const inputIds = new Set<string>();
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (info !== undefined) inputIds.add(`${info.dev}:${info.ino}`);
  }
  for (const path of paths) {
    const full = join(directory, path);
    const info = await lstat(full).catch(() => undefined);
    if (info === undefined || !info.isFile() || inputIds.has(`${info.dev}:${info.ino}`)) continue;
    const real = await realpath(full).catch(() => undefined);
    if (real === undefined || real === modelJson || !isBelow(real, root)) continue;
    await removeFile(full);
    // A folder the previous shards alone lived in (a weight path prefix) goes with them when empty.
    for (let folder = dirname(full); folder !== directory && folder.startsWith(directory); folder = dirname(folder)) {
      if (!(await rmdir(folder).then(() => true, () => false))) break;
    }
  }
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
    if (!isDirectory && !json.toLowerCase().endsWith('.json')) continue;
    for (const path of await listedShards(json)) files.push(join(dirname(json), path));
  }
  return files;
}
