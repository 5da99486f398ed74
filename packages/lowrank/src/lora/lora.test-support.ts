import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Model } from '@whittle/core';
import { fromLayersModel } from '@whittle/core/runner';

export const INPUTS = 8;
export const HIDDEN = 6;
export const CLASSES = 4;

/** A small classifier: Dense 8→6 (relu, `hidden`), Dense 6→4 (softmax, `head`), seeded weights. */
export async function classifierModel(seed = 7): Promise<Model> {
  const layersModel = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: HIDDEN, inputShape: [INPUTS], activation: 'relu', name: 'hidden', kernelInitializer: tfl.initializers.glorotNormal({ seed }), biasInitializer: tfl.initializers.randomNormal({ seed: seed + 1, stddev: 0.1 }) }),
      tfl.layers.dense({ units: CLASSES, activation: 'softmax', name: 'head', kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + 2 }) }),
    ],
  });
  try {
    return await fromLayersModel(layersModel);
  } finally {
    layersModel.dispose();
  }
}

/** `count` rows of deterministic pseudo-random inputs in [-1, 1). */
export function randomInputs(count: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  return Float32Array.from({ length: count * INPUTS }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

/** Batches of a learnable task: the class is the index of the largest of the first four inputs. */
export function classificationBatches(batches: number, size: number): { inputs: tf.Tensor; targets: tf.Tensor }[] {
  return Array.from({ length: batches }, (_, index) => {
    const data = randomInputs(size, 100 + index);
    const labels = Array.from({ length: size }, (_, row) => {
      const first = [...data.subarray(row * INPUTS, row * INPUTS + CLASSES)];
      return first.indexOf(Math.max(...first));
    });
    return { inputs: tf.tensor2d(data, [size, INPUTS]), targets: tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES) };
  });
}

/** Output of a LayersModel on `inputs` rows, as plain numbers. */
export function predict(layersModel: tfl.LayersModel, inputs: Float32Array): Float32Array {
  return tf.tidy(() => (layersModel.predict(tf.tensor2d(inputs, [inputs.length / INPUTS, INPUTS])) as tf.Tensor).dataSync() as Float32Array);
}

/** Loads `directory/model.json` with plain `tfl.loadLayersModel` through tfjs's own HTTP loader, fetches served from the directory. */
export async function loadWithStockTfjs(directory: string): Promise<tfl.LayersModel> {
  const base = 'http://whittle.test/model/';
  const fetchFunc = async (input: RequestInfo | URL): Promise<Response> => {
    try {
      return new Response(await readFile(join(directory, String(input).slice(base.length))));
    } catch {
      return new Response(null, { status: 404 });
    }
  };
  return tfl.loadLayersModel(tf.io.http(`${base}model.json`, { fetchFunc: fetchFunc as typeof fetch }));
}
