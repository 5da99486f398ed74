/**
 * Parsing and validating an untrusted `model.json`: every field tfjs reads, every weight entry,
 * every shard path, and whittle's section, before a single shard byte is read.
 */
import { describeValue } from '../../tensor/shape.ts';
import { parseStrictJson } from '../safetensors/strict-json.ts';
import { malformed } from './malformed.ts';
import { setOwn } from './set-own.ts';
import {
  COMPONENT_SEPARATOR,
  WHITTLE_SECTION,
  WHITTLE_SECTION_VERSION,
  type TfjsModelJson,
  type TfjsShardHash,
  type TfjsWeightEntry,
  type TfjsWeightGroup,
  type TfjsWhittleParam,
} from './model-json-types.ts';
import { parseWeightEntry } from './parse-weight-entry.ts';
import { checkWeightPath } from './weight-path.ts';

/** Options of {@link parseModelJson}. */
export interface ParseModelJsonOptions {
  /** Accept absolute `http(s):` URLs as shard paths (never when reading from disk). */
  readonly allowUrls?: boolean;
}

/**
 * The largest model.json whittle reads: 256 MiB. Real ones are kilobytes to a few megabytes
 * (the weights live in the shards); JavaScript strings stop near 512 MiB, so a bound well below
 * that keeps the message true ("too large") instead of a failed decode.
 */
export const MAX_MODEL_JSON_BYTES = 256 * 1024 * 1024;

/**
 * How deep model.json's objects and arrays may nest: 256. A Keras topology with a few nested
 * models needs a few dozen levels; thousands would overflow the stack of `JSON.stringify`
 * when the model is written back.
 */
export const MAX_MODEL_JSON_DEPTH = 256;

const SHA256_HEX = /^[0-9a-f]{64}$/;

const STRING_FIELDS = ['format', 'generatedBy'] as const;
const OBJECT_FIELDS = [
  'modelTopology',
  'trainingConfig',
  'signature',
  'userDefinedMetadata',
  'modelInitializer',
  'initializerSignature',
] as const;

/**
 * Parses and fully validates a `model.json` (its text, its bytes, or the parsed object): at most
 * {@link MAX_MODEL_JSON_BYTES} of text, nesting at most {@link MAX_MODEL_JSON_DEPTH} deep, no
 * duplicate keys (text and bytes), the top-level fields tfjs reads, the manifest groups and their
 * shard paths, every weight entry (name, shape, dtype, stock quantization), duplicate names, and
 * whittle's section (shard SHA-256s included). Throws a `malformed-file` WhittleError naming
 * `file` and the field at fault. Pure: the input is not modified; `topology` holds the other
 * top-level fields verbatim (keys are data: `__proto__` is kept as an ordinary key).
 *
 * @example
 * ```ts
 * const parsed = parseModelJson(await (await fetch(url)).text(), url);
 * parsed.weightsManifest[0]?.paths; // ['group1-shard1of1.bin']
 * ```
 */
export function parseModelJson(json: unknown, file = 'model.json', options: ParseModelJsonOptions = {}): TfjsModelJson {
  const value = readJson(json, file);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    malformed(`model.json must hold a JSON object, got ${describeValue(value)}`, file);
  }
  const record = value as Record<string, unknown>;
  for (const field of STRING_FIELDS) {
    if (record[field] !== undefined && typeof record[field] !== 'string') {
      malformed(`${field} must be a string, got ${describeValue(record[field])}`, file, field);
    }
  }
  if (record.convertedBy !== undefined && record.convertedBy !== null && typeof record.convertedBy !== 'string') {
    malformed(`convertedBy must be a string or null, got ${describeValue(record.convertedBy)}`, file, 'convertedBy');
  }
  for (const field of OBJECT_FIELDS) {
    const fieldValue = record[field];
    if (
      fieldValue !== undefined &&
      fieldValue !== null &&
      (typeof fieldValue !== 'object' || Array.isArray(fieldValue))
    ) {
      malformed(`${field} must be an object, got ${describeValue(fieldValue)}`, file, field);
    }
  }
  const weightsManifest = readManifest(record.weightsManifest, file, options.allowUrls === true);
  const { params: whittleParams, shards: shardHashes } = readWhittleSection(record[WHITTLE_SECTION], file);
  checkWhittleEntries(weightsManifest, whittleParams, file);
  checkShardHashes(weightsManifest, shardHashes, file);
  const topology: Record<string, unknown> = {};
  for (const [key, fieldValue] of Object.entries(record)) {
    if (key !== 'weightsManifest' && key !== WHITTLE_SECTION) setOwn(topology, key, fieldValue);
  }
  return { format: detectFormat(record), topology, weightsManifest, whittleParams, shardHashes };
}

function readJson(json: unknown, file: string): unknown {
  let text: string;
  if (typeof json === 'string') {
    if (json.length > MAX_MODEL_JSON_BYTES) tooLarge(`${json.length} characters`, file);
    text = json;
  } else if (json instanceof Uint8Array || json instanceof ArrayBuffer) {
    if (json.byteLength > MAX_MODEL_JSON_BYTES) tooLarge(`${json.byteLength} bytes`, file);
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(json);
    } catch {
      malformed('model.json is not valid UTF-8', file);
    }
  } else {
    checkDepth(json, file);
    return json;
  }
  const parsed = parseStrictJson(text, { maxDepth: MAX_MODEL_JSON_DEPTH });
  if ('value' in parsed) return parsed.value;
  if (parsed.kind === 'too-deep') malformed(`model.json nests more than ${MAX_MODEL_JSON_DEPTH} deep`, file);
  if (parsed.kind === 'duplicate-key') {
    const field = [...parsed.path, parsed.key].reduce(
      (path: string, key) => (key === '[]' ? `${path}[]` : path === '' ? key : `${path}.${key}`),
      ''
    );
    malformed(`the key ${describeValue(parsed.key)} appears twice in one object`, file, field);
  }
  malformed(`model.json is not JSON (${parsed.message.slice(0, 200)})`, file);
}

function tooLarge(size: string, file: string): never {
  malformed(`model.json is ${size}, over the ${MAX_MODEL_JSON_BYTES}-byte limit`, file);
}

/**
 * Walks an already-parsed value without recursion: too deep is malformed, and so is a cycle
 * (infinitely deep). An object shared by several parents is fine; it is walked again only when
 * reached deeper than before, so the walk stays bounded by the depth limit times the objects.
 */
function checkDepth(value: unknown, file: string): void {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  const deepest = new Map<object, number>();
  while (stack.length > 0) {
    const { value: next, depth } = stack.pop()!;
    if (typeof next !== 'object' || next === null || (deepest.get(next) ?? -1) >= depth) continue;
    if (depth >= MAX_MODEL_JSON_DEPTH) {
      malformed(`model.json nests more than ${MAX_MODEL_JSON_DEPTH} deep (or refers to itself)`, file);
    }
    deepest.set(next, depth);
    for (const child of Object.values(next)) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1 });
    }
  }
}

function detectFormat(record: Record<string, unknown>): TfjsModelJson['format'] {
  const topology = record.modelTopology;
  if (typeof topology !== 'object' || topology === null) return 'checkpoint';
  if (record.format === 'graph-model') return 'tfjs-graph';
  if (record.format === 'layers-model') return 'tfjs-layers';
  // Older files name no format: a GraphDef has nodes, a Keras model a class.
  return Array.isArray((topology as Record<string, unknown>).node) ? 'tfjs-graph' : 'tfjs-layers';
}

function readManifest(value: unknown, file: string, allowUrls: boolean): TfjsWeightGroup[] {
  if (!Array.isArray(value))
    malformed(`weightsManifest must be an array of groups, got ${describeValue(value)}`, file, 'weightsManifest');
  const names = new Set<string>();
  // Where each shard is listed: a shard listed twice would have its bytes declared (and decoded)
  // twice, so the weights could outgrow the distinct bytes on disk without bound.
  const listed = new Map<string, string>();
  // Array.from visits holes of sparse arrays (as undefined), which map would skip.
  return Array.from(value, (group: unknown, groupIndex) => {
    const field = `weightsManifest[${groupIndex}]`;
    if (typeof group !== 'object' || group === null || Array.isArray(group)) {
      malformed(`a manifest group must be an object, got ${describeValue(group)}`, file, field);
    }
    const { paths, weights } = group as Record<string, unknown>;
    if (!Array.isArray(paths))
      malformed(`paths must be an array of strings, got ${describeValue(paths)}`, file, `${field}.paths`);
    if (!Array.isArray(weights))
      malformed(`weights must be an array of entries, got ${describeValue(weights)}`, file, `${field}.weights`);
    const checkedPaths = Array.from(paths, (path: unknown, index) => {
      const pathField = `${field}.paths[${index}]`;
      const checked = checkWeightPath(path, file, pathField, allowUrls);
      const earlier = listed.get(checked);
      if (earlier !== undefined) malformed(`the shard ${describeValue(checked)} is listed twice (first at ${earlier})`, file, pathField);
      listed.set(checked, pathField);
      return checked;
    });
    let byteLength = 0;
    const entries = Array.from(weights, (entry: unknown, index): TfjsWeightEntry => {
      const entryField = `${field}.weights[${index}]`;
      const parsed = parseWeightEntry(entry, file, entryField);
      if (names.has(parsed.name))
        malformed(`duplicate weight name ${describeValue(parsed.name)}`, file, `${entryField}.name`);
      names.add(parsed.name);
      byteLength += parsed.byteLength;
      if (!Number.isSafeInteger(byteLength))
        malformed('the weights of this group add up to an impossible size', file, `${field}.weights`);
      return parsed;
    });
    return { paths: checkedPaths, weights: entries, byteLength };
  });
}

function readWhittleSection(
  value: unknown,
  file: string
): { params: TfjsWhittleParam[]; shards: TfjsShardHash[] } {
  if (value === undefined) return { params: [], shards: [] };
  const field = WHITTLE_SECTION;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    malformed(`the whittle section must be an object, got ${describeValue(value)}`, file, field);
  }
  const { version, params, shards } = value as Record<string, unknown>;
  if (version !== WHITTLE_SECTION_VERSION) {
    malformed(
      `unsupported whittle section version ${describeValue(version)}; this whittle reads ${WHITTLE_SECTION_VERSION}`,
      file,
      `${field}.version`
    );
  }
  if (!Array.isArray(params)) malformed(`params must be an array, got ${describeValue(params)}`, file, `${field}.params`);
  const names = new Set<string>();
  const whittleParams = Array.from(params, (param: unknown, index) => {
    const paramField = `${field}.params[${index}]`;
    if (typeof param !== 'object' || param === null || Array.isArray(param)) {
      malformed(`a whittle param must be an object, got ${describeValue(param)}`, file, paramField);
    }
    const { name, encoding } = param as Record<string, unknown>;
    if (typeof name !== 'string' || name.length === 0) {
      malformed(`a whittle param needs a non-empty string name, got ${describeValue(name)}`, file, `${paramField}.name`);
    }
    if (names.has(name)) malformed(`duplicate whittle param ${describeValue(name)}`, file, `${paramField}.name`);
    names.add(name);
    if (typeof encoding !== 'object' || encoding === null || Array.isArray(encoding)) {
      malformed(`encoding must be an object, got ${describeValue(encoding)}`, file, `${paramField}.encoding`);
    }
    return { name, encoding };
  });
  return { params: whittleParams, shards: readShardHashes(shards, file) };
}

function readShardHashes(value: unknown, file: string): TfjsShardHash[] {
  if (value === undefined) return [];
  const field = `${WHITTLE_SECTION}.shards`;
  if (!Array.isArray(value)) malformed(`shards must be an array, got ${describeValue(value)}`, file, field);
  const paths = new Set<string>();
  return Array.from(value, (shard: unknown, index) => {
    const shardField = `${field}[${index}]`;
    if (typeof shard !== 'object' || shard === null || Array.isArray(shard)) {
      malformed(`a shard entry must be an object, got ${describeValue(shard)}`, file, shardField);
    }
    const { path, sha256 } = shard as Record<string, unknown>;
    if (typeof path !== 'string') malformed(`path must be a string, got ${describeValue(path)}`, file, `${shardField}.path`);
    if (paths.has(path)) malformed(`the shard ${describeValue(path)} is listed twice`, file, `${shardField}.path`);
    paths.add(path);
    if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) {
      malformed(`sha256 must be 64 lowercase hex digits, got ${describeValue(sha256)}`, file, `${shardField}.sha256`);
    }
    return { path, sha256, field: `${shardField}.sha256` };
  });
}

/** When whittle's section lists shard hashes, it lists exactly the manifest's shards. */
function checkShardHashes(groups: readonly TfjsWeightGroup[], hashes: readonly TfjsShardHash[], file: string): void {
  if (hashes.length === 0) return;
  const listed = new Set(hashes.map((hash) => hash.path));
  const manifest = new Set<string>();
  groups.forEach((group, groupIndex) =>
    group.paths.forEach((path, index) => {
      manifest.add(path);
      if (!listed.has(path)) {
        malformed(
          `the shard ${describeValue(path)} has no SHA-256 in ${WHITTLE_SECTION}.shards`,
          file,
          `weightsManifest[${groupIndex}].paths[${index}]`
        );
      }
    })
  );
  hashes.forEach((hash, index) => {
    if (!manifest.has(hash.path)) {
      malformed(`the shard ${describeValue(hash.path)} is not in weightsManifest`, file, `${WHITTLE_SECTION}.shards[${index}].path`);
    }
  });
}

/** Every whittle entry belongs to a declared param, every declared param has entries, no clashes. */
function checkWhittleEntries(
  groups: readonly TfjsWeightGroup[],
  params: readonly TfjsWhittleParam[],
  file: string
): void {
  const declared = new Map(params.map((param, index) => [param.name, index]));
  const seen = new Set<string>();
  groups.forEach((group, groupIndex) =>
    group.weights.forEach((entry, index) => {
      const field = `weightsManifest[${groupIndex}].weights[${index}]`;
      if (!entry.dtype.startsWith('whittle/')) {
        if (declared.has(entry.name))
          malformed(`${describeValue(entry.name)} is both a stock weight and a whittle param`, file, `${field}.name`);
        return;
      }
      const cut = entry.name.lastIndexOf(COMPONENT_SEPARATOR);
      const param = cut <= 0 ? undefined : entry.name.slice(0, cut);
      if (param === undefined || !declared.has(param)) {
        malformed(
          `the whittle entry ${describeValue(entry.name)} belongs to no param of the whittle section`,
          file,
          `${field}.name`
        );
      }
      seen.add(param);
    })
  );
  params.forEach((param, index) => {
    if (!seen.has(param.name))
      malformed(
        `the whittle param ${describeValue(param.name)} has no manifest entries`,
        file,
        `${WHITTLE_SECTION}.params[${index}]`
      );
  });
}
