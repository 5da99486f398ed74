import type * as tf from '@tensorflow/tfjs-core';
import type { Model } from '@whittle/core';
import { writeTfjsArtifacts } from '@whittle/core/tfjs';

/**
 * The bytes whittle writes for `model` (model.json and its shards, `writeTfjsArtifacts`), put
 * together the way tfjs's own file and HTTP loaders put them together: the topology from
 * model.json, the weight entries of every manifest group in order, the shards concatenated. What
 * stock `tf.loadGraphModel` / `tf.loadLayersModel` make of `tf.io.fromMemory(...)` of this is
 * what they make of the files on disk: nothing of whittle's decoding is involved.
 *
 * @example
 * ```ts
 * const graph = await tfconverter.loadGraphModel(tf.io.fromMemory(stockArtifactsOf(quantized)));
 * ```
 */
export function stockArtifactsOf(model: Model): tf.io.ModelArtifacts {
  const { modelJson, shards } = writeTfjsArtifacts(model);
  const json = modelJson as unknown as Record<string, unknown> & { weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }> };
  const total = shards.reduce((sum, shard) => sum + shard.bytes.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const shard of shards) {
    weightData.set(shard.bytes, offset);
    offset += shard.bytes.byteLength;
  }
  const { weightsManifest, ...rest } = json;
  return {
    ...(rest as tf.io.ModelArtifacts),
    weightSpecs: weightsManifest.flatMap((group) => group.weights),
    weightData: weightData.buffer,
  };
}
