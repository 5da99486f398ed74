/**
 * The validated shape of a TFJS `model.json` as whittle reads it: tfjs's own fields (the
 * manifest groups, their weight entries and stock quantization) plus whittle's section for
 * encodings tfjs has no stock form for.
 */
import type { DType } from '../../tensor/dtype.ts';

/** Weight dtypes tfjs's stock loader reads: the values of a stock entry. */
export type StockWeightDType = 'float32' | 'int32' | 'bool';

/**
 * The dtype of a whittle component entry: `whittle/<dtype>`. tfjs's loader knows no such dtype
 * and throws `Unsupported dtype in weight …`, so a model that needs whittle never loads as
 * garbage in plain tfjs.
 */
export type WhittleWeightDType = `whittle/${DType}`;

/**
 * Stock quantization, as tfjs-core's `io.decodeWeights` reads it: `uint8` / `uint16` codes with
 * value = code * scale + min (computed in float64, stored float32), or `float16` values.
 */
export type TfjsQuantization =
  | { readonly dtype: 'uint8' | 'uint16'; readonly min: number; readonly scale: number }
  | { readonly dtype: 'float16' };

/** One weight entry of a manifest group, validated. */
export interface TfjsWeightEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: StockWeightDType | WhittleWeightDType;
  readonly quantization?: TfjsQuantization;
  /** tfjs-layers marks optimizer state `optimizer`; whittle reads only model weights. */
  readonly group?: string;
  /** Bytes the entry occupies in the group's shards, from its validated shape and dtype. */
  readonly byteLength: number;
}

/** One manifest group: shard paths and the weights laid end to end across them. */
export interface TfjsWeightGroup {
  readonly paths: readonly string[];
  readonly weights: readonly TfjsWeightEntry[];
  /** The sum of the entries' byte lengths: what the group's shards must hold together. */
  readonly byteLength: number;
}

/** One param whittle stores in its own form: its encoding metadata from `encodingParts`. */
export interface TfjsWhittleParam {
  readonly name: string;
  /** Untrusted until `assembleEncoding` checks it against the component bytes. */
  readonly encoding: unknown;
}

/** The SHA-256 whittle recorded for one shard, checked when the shard is read. */
export interface TfjsShardHash {
  /** The shard's path as the manifest gives it. */
  readonly path: string;
  /** 64 lowercase hex digits. */
  readonly sha256: string;
  /** Where in model.json the hash is, for errors: `whittle.shards[0].sha256`. */
  readonly field: string;
}

/** A parsed and validated `model.json`. */
export interface TfjsModelJson {
  /** What the topology describes: `model.json`s without a `modelTopology` read as checkpoints. */
  readonly format: 'tfjs-layers' | 'tfjs-graph' | 'checkpoint';
  /** Every top-level field except `weightsManifest` and `whittle`, kept verbatim. */
  readonly topology: Readonly<Record<string, unknown>>;
  readonly weightsManifest: readonly TfjsWeightGroup[];
  /** whittle's params (empty for a stock model). */
  readonly whittleParams: readonly TfjsWhittleParam[];
  /** SHA-256 of every shard, from whittle's section (empty when the file records none). */
  readonly shardHashes: readonly TfjsShardHash[];
}

/** The JSON object of a weight entry as written to `model.json`. */
export interface TfjsWeightEntryJson {
  name: string;
  shape: number[];
  dtype: StockWeightDType | WhittleWeightDType;
  quantization?: { dtype: 'uint8' | 'uint16'; min: number; scale: number } | { dtype: 'float16' };
}

/** The `model.json` object whittle writes. */
export interface TfjsModelJsonObject {
  [field: string]: unknown;
  weightsManifest: Array<{ paths: string[]; weights: TfjsWeightEntryJson[] }>;
}

/** The key of whittle's section in `model.json`, and the version this code writes and reads. */
export const WHITTLE_SECTION = 'whittle';
export const WHITTLE_SECTION_VERSION = 1;

/** Separates a param name from its component buffer name in whittle entries: `dense/kernel#codes`. */
export const COMPONENT_SEPARATOR = '#';
