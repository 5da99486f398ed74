import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Stock tfjs-layers loading a TFJS model directory's files as they are on disk (no whittle code in between). */
export async function loadStockLayersModel(directory: string): Promise<tfl.LayersModel> {
  const modelJson = JSON.parse(await readFile(join(directory, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const shards = await Promise.all(
    modelJson.weightsManifest.flatMap((group) => group.paths).map((path) => readFile(join(directory, path))),
  );
  const joined = Buffer.concat(shards);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData }));
}
