/**
 * `@whittle/core/tfjs`: TensorFlow.js model.json and weight shards in memory: read, write, and
 * run any whittle model with stock tfjs through an IOHandler.
 */
export { toModelArtifacts, whittleIOHandler } from './io-handler.ts';
export { WHITTLE_SECTION, WHITTLE_SECTION_VERSION } from './model-json-types.ts';
export type {
  StockWeightDType,
  TfjsModelJson,
  TfjsModelJsonObject,
  TfjsQuantization,
  TfjsShardHash,
  TfjsWeightEntry,
  TfjsWeightEntryJson,
  TfjsWeightGroup,
  TfjsWhittleParam,
  WhittleWeightDType,
} from './model-json-types.ts';
export { MAX_MODEL_JSON_BYTES, MAX_MODEL_JSON_DEPTH, parseModelJson } from './parse-model-json.ts';
export type { ParseModelJsonOptions } from './parse-model-json.ts';
export { readParsedTfjsModel, readTfjsModel } from './read-tfjs-model.ts';
export type { LoadShard, ReadTfjsModelOptions } from './read-tfjs-model.ts';
export { DEFAULT_SHARD_BYTES } from './shard-bytes.ts';
export { quantizeStockAffine, tfjsStockQParams } from './stock-uint8.ts';
export type { TfjsStockQParams } from './stock-uint8.ts';
export { MAX_SHARD_COUNT, writeTfjsArtifacts } from './write-tfjs-artifacts.ts';
export type { TfjsArtifacts, TfjsShard, WriteTfjsArtifactsOptions } from './write-tfjs-artifacts.ts';
