/**
 * A tfjs IOHandler over any whittle model: every encoding decoded to plain weights, so
 * `tf.loadLayersModel` / `tf.loadGraphModel` run whittle output that plain tfjs cannot read.
 */
import type { io } from '@tensorflow/tfjs-core';
import { requireBackend } from '../../backend/require-backend.ts';
import type { Model } from '../../model/types.ts';
import { decompress } from './decompress.ts';
import { modelJsonFields } from './model-json-fields.ts';
import { splitIntoShards } from './shard-bytes.ts';
import { stockWeight } from './stock-weights.ts';

// Uniform chunks keep tfjs's weight slicing on its fast path and below browsers' buffer limits.
const WEIGHT_DATA_CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * The ModelArtifacts tfjs loads a model from: the model.json fields of the topology, and every
 * param decoded to float32 (dense int32 and bool kept; other integers as int32) as plain
 * `weightSpecs` / `weightData`.
 *
 * @example
 * ```ts
 * const layers = await tf.loadLayersModel(tf.io.fromMemory(toModelArtifacts(model)));
 * ```
 */
export function toModelArtifacts(model: Model): io.ModelArtifacts {
  const plain = decompress(model);
  const weightSpecs: io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const param of plain.params.values()) {
    // decompress leaves only dense float32, int32 and bool: each has a stock form.
    const { dtype, bytes } = stockWeight(param.value)!;
    weightSpecs.push({ name: param.name, shape: [...param.shape], dtype });
    parts.push(bytes);
  }
  const chunks = splitIntoShards(parts, WEIGHT_DATA_CHUNK_BYTES).map((chunk) => chunk.buffer as ArrayBuffer);
  const weightData = chunks.length === 0 ? new ArrayBuffer(0) : chunks.length === 1 ? chunks[0]! : chunks;
  return { ...(modelJsonFields(model) as io.ModelArtifacts), weightSpecs, weightData };
}

/**
 * A tfjs `IOHandler` that loads any whittle model, given as a Model or a function that reads
 * one (called on each load): `load()` decodes every encoding (see {@link toModelArtifacts}).
 *
 * @example
 * ```ts
 * const model = await readTfjsModel(json, loadShard);
 * const layers = await tf.loadLayersModel(whittleIOHandler(model));
 * const graph = await tfconverter.loadGraphModel(whittleIOHandler(() => readTfjsModel(json, loadShard)));
 * ```
 */
export function whittleIOHandler(source: Model | (() => Promise<Model>)): io.IOHandler {
  return {
    load: async () => {
      // tfjs builds the model's layers from what this returns, and needs a backend for that.
      requireBackend('loading a whittle model into tfjs');
      return toModelArtifacts(typeof source === 'function' ? await source() : source);
    },
  };
}
