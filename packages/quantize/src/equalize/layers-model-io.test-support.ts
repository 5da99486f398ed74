/**
 * Test support: tfjs-layers models saved into whittle Models, and whittle Models loaded back by
 * stock `tf.loadLayersModel` from the bytes whittle writes, with no whittle code on that side.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Model } from '@whittle/core';
import { readTfjsModel, writeTfjsArtifacts } from '@whittle/core/tfjs';

/** `layers` saved as tfjs-layers saves it, read as a whittle Model. */
export async function modelOfLayers(layers: tfl.LayersModel): Promise<Model> {
  let saved: tf.io.ModelArtifacts | undefined;
  await layers.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const { weightSpecs, weightData, ...fields } = saved!;
  const bytes = new Uint8Array(weightData as ArrayBuffer);
  return readTfjsModel({ ...fields, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] }, async () => bytes);
}

/** `model` written by whittle and loaded by stock `tf.loadLayersModel`. */
export async function stockLayersModel(model: Model): Promise<tfl.LayersModel> {
  const { modelJson, shards } = writeTfjsArtifacts(model);
  const { weightsManifest, ...fields } = modelJson as unknown as { weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }> } & Record<string, unknown>;
  const weightData = new Uint8Array(shards.reduce((sum, shard) => sum + shard.bytes.byteLength, 0));
  shards.reduce((offset, shard) => (weightData.set(shard.bytes, offset), offset + shard.bytes.byteLength), 0);
  return tfl.loadLayersModel(
    tf.io.fromMemory({ ...(fields as tf.io.ModelArtifacts), weightSpecs: weightsManifest.flatMap((group) => group.weights), weightData: weightData.buffer }),
  );
}

/** `layers`' prediction for `input` as float32. */
export function predict(layers: tfl.LayersModel, input: tf.Tensor): Float32Array {
  return tf.tidy(() => Float32Array.from((layers.predict(input) as tf.Tensor).dataSync()));
}
