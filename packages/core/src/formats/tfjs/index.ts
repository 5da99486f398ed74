export type * from './model-json-types.ts';
export {
  MAX_MODEL_JSON_BYTES,
  MAX_MODEL_JSON_DEPTH,
  parseModelJson,
  type ParseModelJsonOptions,
} from './parse-model-json.ts';
export { sha256Hex, withShardHashes } from './shard-hashes.ts';
export { readTfjsModel, readParsedTfjsModel, type LoadShard, type ReadTfjsModelOptions } from './read-tfjs-model.ts';
export {
  MAX_SHARD_COUNT,
  writeTfjsArtifacts,
  type TfjsArtifacts,
  type TfjsShard,
  type WriteTfjsArtifactsOptions,
} from './write-tfjs-artifacts.ts';
export { modelJsonFields } from './model-json-fields.ts';
export { DEFAULT_SHARD_BYTES } from './shard-bytes.ts';
export { decodeStockEntry, stockWeight, type StockWeight } from './stock-weights.ts';
export { quantizeStockAffine, tfjsStockQParams, type TfjsStockQParams } from './stock-uint8.ts';
export { decompress, type DecompressOptions, type StockDType } from './decompress.ts';
export { toModelArtifacts, whittleIOHandler } from './io-handler.ts';
export { checkWeightPath } from './weight-path.ts';
