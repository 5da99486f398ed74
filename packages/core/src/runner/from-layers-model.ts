/**
 * A tfjs-layers LayersModel turned into a whittle Model, as tfjs would save it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { WhittleError } from '../errors.ts';
import { readTfjsModel } from '../formats/tfjs/read-tfjs-model.ts';
import type { Model } from '../model/types.ts';

const SHARD = 'weights.bin';

/**
 * The whittle Model of a LayersModel: its Keras topology and every weight as a param named as
 * tfjs saves it (`dense_1/kernel`), with roles from the topology. The weights are copied; the
 * LayersModel is left as it is (the caller still disposes it).
 *
 * @example
 * ```ts
 * const layersModel = tfl.sequential({ layers: [tfl.layers.dense({ units: 10, inputShape: [784] })] });
 * const model = await fromLayersModel(layersModel);
 * const { model: smaller } = await compress(model, [cast('float16')]);
 * ```
 */
export async function fromLayersModel(layersModel: tfl.LayersModel): Promise<Model> {
  if (typeof layersModel !== 'object' || layersModel === null || typeof (layersModel as { save?: unknown }).save !== 'function') {
    throw new WhittleError('invalid-argument', 'expected a tfjs-layers LayersModel', { field: 'layersModel' });
  }
  let saved: tf.io.ModelArtifacts | undefined;
  await layersModel.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const { weightSpecs = [], weightData, ...fields } = saved!;
  const bytes = weightBytes(weightData);
  const modelJson = { ...fields, weightsManifest: [{ paths: [SHARD], weights: weightSpecs }] };
  return readTfjsModel(modelJson, async () => bytes, { file: 'layersModel' });
}

function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const buffers = Array.isArray(data) ? data : [data];
  const bytes = new Uint8Array(buffers.reduce((total, buffer) => total + buffer.byteLength, 0));
  let offset = 0;
  for (const buffer of buffers) {
    bytes.set(new Uint8Array(buffer), offset);
    offset += buffer.byteLength;
  }
  return bytes;
}
