/**
 * Test support: small seeded tfjs-layers teachers, read as whittle Models, and stock tfjs loading
 * and running what the student builders write.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Model } from '@whittle/core';
import { fromLayersModel } from '@whittle/core/runner';
import { writeTfjsArtifacts } from '@whittle/core/tfjs';

type Symbolic = tfl.SymbolicTensor;
const seeded = (seed: number) => tfl.initializers.glorotNormal({ seed });
const biasOf = (seed: number) => tfl.initializers.randomNormal({ seed, stddev: 0.1 });

/** A teacher and the input shape it takes (without the batch axis). */
export interface Teacher {
  readonly model: Model;
  readonly inputShape: readonly number[];
}

async function teacherOf(layersModel: tfl.LayersModel, inputShape: readonly number[]): Promise<Teacher> {
  try {
    return { model: await fromLayersModel(layersModel), inputShape };
  } finally {
    layersModel.dispose();
  }
}

/** An MLP `inputs`-hidden…-`outputs` with relu hidden layers and seeded weights and biases. */
export function mlpTeacher(inputs: number, hidden: readonly number[], outputs: number, seed = 1): Promise<Teacher> {
  const layers = [...hidden, outputs].map((units, index) =>
    tfl.layers.dense({
      units,
      name: index === hidden.length ? 'head' : `hidden_${index + 1}`,
      activation: index === hidden.length ? 'softmax' : 'relu',
      kernelInitializer: seeded(seed + 2 * index),
      biasInitializer: biasOf(seed + 2 * index + 1),
      ...(index === 0 ? { inputShape: [inputs] } : {}),
    }),
  );
  return teacherOf(tfl.sequential({ layers }), [inputs]);
}

/** A small CNN: conv 3×3 (same) → relu → conv 3×3 stride 2 → batch norm → conv 1×1 → flatten → dense. */
export function cnnTeacher(seed = 1, filters = 8): Promise<Teacher> {
  const input = tfl.input({ shape: [8, 8, 3], name: 'image' });
  const apply = (layer: { apply: (x: Symbolic) => unknown }, x: Symbolic): Symbolic => layer.apply(x) as Symbolic;
  let x = apply(tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv_1', kernelInitializer: seeded(seed), biasInitializer: biasOf(seed + 1) }), input);
  x = apply(tfl.layers.conv2d({ filters: 2 * filters, kernelSize: 3, strides: 2, name: 'conv_2', kernelInitializer: seeded(seed + 2), biasInitializer: biasOf(seed + 3) }), x);
  x = apply(tfl.layers.batchNormalization({ name: 'norm', gammaInitializer: biasOf(seed + 4), movingVarianceInitializer: 'ones' }), x);
  x = apply(tfl.layers.activation({ activation: 'relu', name: 'relu' }), x);
  x = apply(tfl.layers.conv2d({ filters, kernelSize: 1, name: 'mix', kernelInitializer: seeded(seed + 5) }), x);
  x = apply(tfl.layers.flatten({ name: 'flat' }), x);
  const output = apply(tfl.layers.dense({ units: 4, name: 'head', kernelInitializer: seeded(seed + 6) }), x);
  return teacherOf(tfl.model({ inputs: input, outputs: output }), [8, 8, 3]);
}

/** A sequence classifier: LSTM(units, sequences) → LSTM(units) → dense, over [steps, features]. */
export function lstmTeacher(units = 6, seed = 1): Promise<Teacher> {
  const recurrent = (name: string, offset: number, returnSequences: boolean, inputShape?: number[]) =>
    tfl.layers.lstm({
      units,
      name,
      returnSequences,
      kernelInitializer: seeded(seed + offset),
      recurrentInitializer: seeded(seed + offset + 1),
      ...(inputShape === undefined ? {} : { inputShape }),
    });
  const layers = [recurrent('lstm_1', 0, true, [5, 3]), recurrent('lstm_2', 2, false), tfl.layers.dense({ units: 3, name: 'head', kernelInitializer: seeded(seed + 4) })];
  return teacherOf(tfl.sequential({ layers }), [5, 3]);
}

/**
 * `model` written by core's writer (model.json and weight shards) and loaded by stock
 * `tf.loadLayersModel` through tfjs's own HTTP loader, its fetches served from those files.
 */
export function loadStock(model: Model): Promise<tfl.LayersModel> {
  const { modelJson, shards } = writeTfjsArtifacts(model, { shardBytes: 4096 });
  const files = new Map<string, Uint8Array>([['model.json', new TextEncoder().encode(JSON.stringify(modelJson))], ...shards.map((shard) => [shard.path, shard.bytes] as [string, Uint8Array])]);
  const base = 'http://whittle.test/student/';
  const fetchFunc = async (input: RequestInfo | URL): Promise<Response> => {
    const bytes = files.get(String(input).slice(base.length));
    return bytes === undefined ? new Response(null, { status: 404 }) : new Response(bytes.slice().buffer);
  };
  return tfl.loadLayersModel(tf.io.http(`${base}model.json`, { fetchFunc: fetchFunc as typeof fetch }));
}

/** Seeded inputs of `rows` examples of `shape`, in [-1, 1). */
export function sampleInputs(rows: number, shape: readonly number[], seed: number): tf.Tensor {
  return tf.randomUniform([rows, ...shape], -1, 1, 'float32', seed);
}

/** The outputs of `model` run by stock tfjs on `inputs`, as plain numbers. */
export async function runStock(model: Model, inputs: tf.Tensor): Promise<Float32Array> {
  const layersModel = await loadStock(model);
  try {
    const output = layersModel.predict(inputs) as tf.Tensor;
    try {
      return (await output.data()) as Float32Array;
    } finally {
      output.dispose();
    }
  } finally {
    layersModel.dispose();
  }
}

/** The largest |a − b| over two equal-length arrays. */
export function maxDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let largest = 0;
  for (let index = 0; index < a.length; index++) largest = Math.max(largest, Math.abs(a[index]! - b[index]!));
  return largest;
}

/** Elements of every param of `model`. */
export function paramCount(model: Model): number {
  let total = 0;
  for (const param of model.params.values()) total += param.shape.reduce((product, size) => product * size, 1);
  return total;
}
