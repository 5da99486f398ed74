/**
 * Writing a Model as TFJS artifacts: model.json plus weight shards, every param in stock form
 * where tfjs has one, the rest in whittle's own form (which plain tfjs refuses loudly).
 */
import type { EncodingMetadata } from '../../encoding/metadata.ts';
import { WhittleError } from '../../errors.ts';
import type { Model } from '../../model/types.ts';
import { describeValue } from '../../tensor/shape.ts';
import { modelJsonFields } from './model-json-fields.ts';
import {
  WHITTLE_SECTION,
  WHITTLE_SECTION_VERSION,
  type TfjsModelJsonObject,
  type TfjsWeightEntryJson,
} from './model-json-types.ts';
import { DEFAULT_SHARD_BYTES, splitIntoShards } from './shard-bytes.ts';
import { stockWeight } from './stock-weights.ts';
import { checkWeightPath } from './weight-path.ts';
import { whittleComponents } from './whittle-params.ts';

/**
 * The most shards one output is cut into: 100,000 (400 GB at the default 4 MiB). More means a
 * shard size far too small for the model, and as many files to write and fetch.
 */
export const MAX_SHARD_COUNT = 100_000;

/** Options of {@link writeTfjsArtifacts}. */
export interface WriteTfjsArtifactsOptions {
  /** Bytes per shard (a weight may span shards); default 4 MiB, as tfjs-converter. */
  readonly shardBytes?: number;
  /** Prepended to shard file names (`group1-shard1of1.bin`); a relative path, default none. */
  readonly weightPathPrefix?: string;
}

/** One weight shard: its path relative to model.json, and its bytes. */
export interface TfjsShard {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** What {@link writeTfjsArtifacts} returns: the model.json object and the shards it names. */
export interface TfjsArtifacts {
  readonly modelJson: TfjsModelJsonObject;
  readonly shards: readonly TfjsShard[];
}

/**
 * TFJS artifacts of a model: one manifest group whose weights (in param order) are laid end to
 * end across shards of `shardBytes`. Dense float32 / int32 / bool, dense float16 and per-tensor
 * unsigned 8/16-bit affine params are written exactly as tfjs's stock loader reads them, so a
 * model of only those loads with plain `tf.loadLayersModel` / `tf.loadGraphModel`. Any other
 * encoding is written as its component buffers (`<param>#<buffer>`, dtype `whittle/<dtype>`,
 * which tfjs rejects) plus its metadata in model.json's `whittle` section. The topology fields
 * are kept verbatim (see `modelJsonFields`). Pure: shard bytes are fresh copies.
 *
 * @example
 * ```ts
 * const { modelJson, shards } = writeTfjsArtifacts(model, { shardBytes: 1 << 20 });
 * const text = JSON.stringify(modelJson);
 * ```
 */
export function writeTfjsArtifacts(model: Model, options: WriteTfjsArtifactsOptions = {}): TfjsArtifacts {
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isSafeInteger(shardBytes) || shardBytes <= 0) {
    throw new WhittleError('invalid-argument', `shardBytes must be a positive integer, got ${describeValue(shardBytes)}`, {
      field: 'shardBytes',
    });
  }
  const prefix = options.weightPathPrefix ?? '';
  if (typeof prefix !== 'string') {
    throw new WhittleError('invalid-argument', `weightPathPrefix must be a string, got ${describeValue(prefix)}`, {
      field: 'weightPathPrefix',
    });
  }
  try {
    checkWeightPath(`${prefix}group1-shard1of1.bin`, 'model.json', 'weightPathPrefix');
  } catch (error) {
    throw new WhittleError(
      'invalid-argument',
      `the prefix ${describeValue(prefix)} would put shards outside the model's directory`,
      { field: 'weightPathPrefix' },
      { cause: error }
    );
  }
  const weights: TfjsWeightEntryJson[] = [];
  const parts: Uint8Array[] = [];
  const whittleParams: Array<{ name: string; encoding: EncodingMetadata }> = [];
  const names = new Set<string>();
  const add = (entry: TfjsWeightEntryJson, bytes: Uint8Array, param: string): void => {
    if (names.has(entry.name)) {
      throw new WhittleError('invalid-argument', `two weights would both be named ${describeValue(entry.name)}`, {
        field: `params[${JSON.stringify(param)}]`,
      });
    }
    names.add(entry.name);
    weights.push(entry);
    parts.push(bytes);
  };
  for (const param of model.params.values()) {
    const stock = stockWeight(param.value);
    if (stock !== undefined) {
      const { dtype, quantization, bytes } = stock;
      add(
        {
          name: param.name,
          shape: [...param.shape],
          dtype,
          ...(quantization === undefined ? {} : { quantization: { ...quantization } }),
        },
        bytes,
        param.name
      );
      continue;
    }
    const { metadata, components } = whittleComponents(param.name, param.value);
    whittleParams.push({ name: param.name, encoding: metadata });
    for (const component of components)
      add({ name: component.name, shape: [...component.shape], dtype: component.dtype }, component.bytes, param.name);
  }
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  if (Math.ceil(total / shardBytes) > MAX_SHARD_COUNT) {
    throw new WhittleError(
      'invalid-argument',
      `shardBytes ${shardBytes} would cut ${total} bytes into ${Math.ceil(total / shardBytes)} shards, over ${MAX_SHARD_COUNT}; use larger shards`,
      { field: 'shardBytes' }
    );
  }
  const chunks = splitIntoShards(parts, shardBytes);
  const shards = chunks.map((bytes, index) => ({
    path: `${prefix}group1-shard${index + 1}of${chunks.length}.bin`,
    bytes,
  }));
  const modelJson: TfjsModelJsonObject = {
    ...modelJsonFields(model),
    weightsManifest: [{ paths: shards.map((shard) => shard.path), weights }],
  };
  if (whittleParams.length > 0)
    modelJson[WHITTLE_SECTION] = { version: WHITTLE_SECTION_VERSION, params: whittleParams };
  return { modelJson, shards };
}
