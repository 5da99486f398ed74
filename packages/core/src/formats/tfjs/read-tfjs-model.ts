/**
 * Reading TFJS artifacts (model.json + weight shards, LayersModel or GraphModel) into a whittle
 * Model, through a shard loader so it runs anywhere: `fetch` in a browser, files in Node.
 */
import { encodingShape } from '../../encoding/byte-length.ts';
import type { Encoding } from '../../encoding/types.ts';
import { WhittleError } from '../../errors.ts';
import { createModel, type ParamInit } from '../../model/create-model.ts';
import { inferRoles } from '../../model/infer-role.ts';
import { lookupKerasRole, rolesFromKerasTopology } from '../../model/keras-roles.ts';
import type { Model } from '../../model/types.ts';
import { describeValue } from '../../tensor/shape.ts';
import { graphRoles } from './graph-roles.ts';
import { asMalformed, malformed } from './malformed.ts';
import { COMPONENT_SEPARATOR, type TfjsModelJson, type TfjsWeightEntry } from './model-json-types.ts';
import { parseModelJson, type ParseModelJsonOptions } from './parse-model-json.ts';
import { spanReader } from './shard-bytes.ts';
import { sha256Hex } from './shard-hashes.ts';
import { decodeStockEntry } from './stock-weights.ts';
import { assembleWhittleParam } from './whittle-params.ts';

/** Loads one weight shard by its manifest path (relative to the model.json). */
export type LoadShard = (path: string) => Promise<Uint8Array>;

/** Options of {@link readTfjsModel}. */
export interface ReadTfjsModelOptions extends ParseModelJsonOptions {
  /** The name errors give the model.json (a path or URL); default `model.json`. */
  readonly file?: string;
  /**
   * The size of a shard without reading it (a file's `stat`, a HEAD request): when given, every
   * group's shard sizes are checked against its weights before any shard is loaded.
   */
  readonly shardByteLength?: (path: string) => Promise<number>;
}

/**
 * Reads TFJS artifacts into a Model: the format (`tfjs-layers` or `tfjs-graph`, or `checkpoint`
 * without a topology), the topology (every model.json field but the manifest, verbatim) and one
 * param per weight, in manifest order. Stock weights read as dense, dense float16 or per-tensor
 * affine encodings that decode exactly as tfjs decodes them; whittle's own params are assembled
 * from their components. Roles come from the Keras topology, the graph's ops, or names.
 * When whittle's section records shard SHA-256s, every shard must match its own before it is
 * used.
 * Optimizer state (`group: 'optimizer'`) is not read. Throws `malformed-file` naming the file
 * and field for any inconsistency, shard sizes included, before allocating from them.
 *
 * @example
 * ```ts
 * const base = 'https://example.com/model/';
 * const model = await readTfjsModel(await (await fetch(`${base}model.json`)).text(), async (path) =>
 *   new Uint8Array(await (await fetch(base + path)).arrayBuffer()));
 * ```
 */
export async function readTfjsModel(
  modelJson: unknown,
  loadShard: LoadShard,
  options: ReadTfjsModelOptions = {}
): Promise<Model> {
  const file = options.file ?? 'model.json';
  return readParsedTfjsModel(parseModelJson(modelJson, file, options), loadShard, options);
}

/**
 * {@link readTfjsModel} for a model.json already parsed with `parseModelJson`.
 *
 * @example
 * ```ts
 * const model = await readParsedTfjsModel(parseModelJson(text, path), loadShard, { file: path });
 * ```
 */
export async function readParsedTfjsModel(
  parsed: TfjsModelJson,
  loadShard: LoadShard,
  options: ReadTfjsModelOptions = {}
): Promise<Model> {
  const file = options.file ?? 'model.json';
  if (options.shardByteLength !== undefined) await checkShardSizes(parsed, options.shardByteLength, file);
  const loadChecked = checkedLoader(parsed, loadShard, file);
  const stock = new Map<string, Encoding>();
  const components = new Map<string, Array<{ entry: TfjsWeightEntry; bytes: Uint8Array }>>();
  const order: string[] = [];
  for (const [groupIndex, group] of parsed.weightsManifest.entries()) {
    const next = spanReader(await loadGroup(group.paths, group.byteLength, loadChecked, file, groupIndex));
    for (const [index, entry] of group.weights.entries()) {
      const bytes = next(entry.byteLength);
      if (entry.dtype.startsWith('whittle/')) {
        const param = entry.name.slice(0, entry.name.lastIndexOf(COMPONENT_SEPARATOR));
        let list = components.get(param);
        if (list === undefined) {
          list = [];
          components.set(param, list);
          order.push(param);
        }
        list.push({ entry, bytes });
      } else if (entry.group !== 'optimizer') {
        const field = `weightsManifest[${groupIndex}].weights[${index}]`;
        stock.set(
          entry.name,
          asMalformed(() => decodeStockEntry(entry, bytes), file, field)
        );
        order.push(entry.name);
      }
    }
  }
  const whittle = new Map<string, Encoding>();
  parsed.whittleParams.forEach((param, index) => {
    const list = components.get(param.name) ?? [];
    whittle.set(param.name, assembleWhittleParam(param.name, param.encoding, list, file, `whittle.params[${index}]`));
  });
  const encodings = order.map((name) => [name, stock.get(name) ?? whittle.get(name)!] as const);
  const params = withRoles(parsed, encodings, file);
  return asMalformed(
    () => createModel({ format: parsed.format, topology: parsed.topology, params }),
    file,
    'weightsManifest'
  );
}

/**
 * `loadShard` with each shard checked against its recorded SHA-256 when there is one.
 * parseModelJson refuses a shard listed twice, so each is loaded once.
 */
function checkedLoader(parsed: TfjsModelJson, loadShard: LoadShard, file: string): LoadShard {
  // A TfjsModelJson built by hand before hashes existed has none to check.
  const hashes = new Map((parsed.shardHashes ?? []).map((hash) => [hash.path, hash]));
  return async (path) => {
    const shard = await loadShard(path);
    const hash = hashes.get(path);
    if (hash !== undefined && shard instanceof Uint8Array && (await sha256Hex(shard)) !== hash.sha256) {
      malformed(
        `the shard ${describeValue(path)} does not match its SHA-256: it is not the shard this model.json was written with`,
        file,
        hash.field
      );
    }
    return shard;
  };
}

async function checkShardSizes(
  parsed: TfjsModelJson,
  shardByteLength: (path: string) => Promise<number>,
  file: string
): Promise<void> {
  for (const [groupIndex, group] of parsed.weightsManifest.entries()) {
    let total = 0;
    for (const path of group.paths) total += await shardByteLength(path);
    if (total !== group.byteLength) {
      malformed(
        `the shards hold ${total} bytes but the weights need ${group.byteLength}`,
        file,
        `weightsManifest[${groupIndex}].paths`
      );
    }
  }
}

async function loadGroup(
  paths: readonly string[],
  expected: number,
  loadShard: LoadShard,
  file: string,
  groupIndex: number
): Promise<Uint8Array[]> {
  const shards: Uint8Array[] = [];
  let total = 0;
  for (const [index, path] of paths.entries()) {
    const bytes = await loadShard(path);
    if (!(bytes instanceof Uint8Array)) {
      throw new WhittleError('invalid-argument', `loadShard must return a Uint8Array, got ${describeValue(bytes)}`, {
        file,
        field: `weightsManifest[${groupIndex}].paths[${index}]`,
      });
    }
    total += bytes.byteLength;
    // Stop at the first shard past the total rather than loading more of a lying manifest.
    if (total > expected) break;
    shards.push(bytes);
  }
  if (total !== expected) {
    malformed(
      `the shards hold ${total > expected ? 'at least ' : ''}${total} bytes but the weights need ${expected}`,
      file,
      `weightsManifest[${groupIndex}].paths`
    );
  }
  return shards;
}

function withRoles(
  parsed: TfjsModelJson,
  encodings: ReadonlyArray<readonly [string, Encoding]>,
  file: string
): ParamInit[] {
  const modelTopology = parsed.topology.modelTopology;
  if (parsed.format === 'tfjs-layers') {
    const roles = kerasRoles(modelTopology, file);
    return encodings.map(([name, value]) => ({ name, value, ...lookupKerasRole(roles, name) }));
  }
  const shapes = encodings.map(([name, value]) => [name, encodingShape(value)] as const);
  const roles = parsed.format === 'tfjs-graph' ? graphRoles(modelTopology, shapes) : inferRoles(shapes);
  return encodings.map(([name, value]) => ({ name, value, role: roles.get(name) ?? 'other' }));
}

function kerasRoles(modelTopology: unknown, file: string): ReturnType<typeof rolesFromKerasTopology> {
  try {
    return rolesFromKerasTopology(modelTopology);
  } catch (error) {
    if (!(error instanceof WhittleError)) throw error;
    const field = (error.field ?? 'topology').replace(/^topology/, 'modelTopology');
    const message = error.message.slice(error.message.indexOf(': ') + 2);
    throw new WhittleError('malformed-file', message, { file, field }, { cause: error });
  }
}
