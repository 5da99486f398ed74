/**
 * Test support: small tfjs-layers models of every shape structured pruning must handle, read as
 * whittle Models, and stock tfjs loading whittle's output through its own HTTP loader.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { decodeToFloat32, denseEncoding, hostTensor, replaceParams, type Encoding, type Model } from '@whittle/core';
import type { ChannelGroup } from '@whittle/core/graph';
import { fromLayersModel } from '@whittle/core/runner';
import { writeTfjsArtifacts } from '@whittle/core/tfjs';

type Symbolic = tfl.SymbolicTensor;
const call = (layer: { apply: (input: Symbolic | Symbolic[]) => unknown }, input: Symbolic | Symbolic[]): Symbolic =>
  layer.apply(input) as Symbolic;

/** A model builder and the shape of one input sample. */
export interface StructuredCase {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly build: () => tfl.LayersModel;
}

export const STRUCTURED_CASES: readonly StructuredCase[] = [
  {
    name: 'mlp',
    inputShape: [6],
    build: () =>
      tfl.sequential({
        layers: [
          tfl.layers.dense({ units: 9, activation: 'relu', inputShape: [6], name: 'hidden_1' }),
          tfl.layers.dense({ units: 7, activation: 'tanh', name: 'hidden_2' }),
          tfl.layers.dense({ units: 3, name: 'head' }),
        ],
      }),
  },
  {
    name: 'cnn with batch norm, depthwise and separable convs',
    inputShape: [8, 8, 3],
    build: () => {
      const input = tfl.input({ shape: [8, 8, 3], name: 'image' });
      let x = call(tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'conv' }), input);
      x = call(tfl.layers.batchNormalization({ name: 'norm' }), x);
      x = call(tfl.layers.activation({ activation: 'relu', name: 'relu' }), x);
      x = call(tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2, name: 'dw' }), x);
      x = call(tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool' }), x);
      x = call(tfl.layers.separableConv2d({ filters: 5, kernelSize: 3, padding: 'same', name: 'sep' }), x);
      x = call(tfl.layers.batchNormalization({ name: 'sep_norm' }), x);
      x = call(tfl.layers.globalAveragePooling2d({ name: 'gap' }), x);
      return tfl.model({ inputs: input, outputs: call(tfl.layers.dense({ units: 2, name: 'head' }), x) });
    },
  },
  {
    name: 'residual block',
    inputShape: [5],
    build: () => {
      const input = tfl.input({ shape: [5], name: 'features' });
      const stem = call(tfl.layers.dense({ units: 6, activation: 'relu', name: 'stem' }), input);
      const inner = call(tfl.layers.dense({ units: 4, activation: 'relu', name: 'inner' }), stem);
      const branch = call(tfl.layers.dense({ units: 6, name: 'branch' }), inner);
      const sum = call(tfl.layers.add({ name: 'sum' }), [stem, branch]);
      const relu = call(tfl.layers.activation({ activation: 'relu', name: 'relu' }), sum);
      return tfl.model({ inputs: input, outputs: call(tfl.layers.dense({ units: 3, name: 'head' }), relu) });
    },
  },
  {
    name: 'concatenate',
    inputShape: [5],
    build: () => {
      const input = tfl.input({ shape: [5], name: 'features' });
      const left = call(tfl.layers.dense({ units: 4, activation: 'relu', name: 'left' }), input);
      const right = call(tfl.layers.dense({ units: 5, activation: 'sigmoid', name: 'right' }), input);
      const joined = call(tfl.layers.concatenate({ name: 'joined' }), [left, right]);
      const mixed = call(tfl.layers.dense({ units: 4, activation: 'relu', name: 'mixed' }), joined);
      return tfl.model({ inputs: input, outputs: call(tfl.layers.dense({ units: 2, name: 'head' }), mixed) });
    },
  },
  {
    name: 'flatten then dense',
    inputShape: [5, 5, 2],
    build: () =>
      tfl.sequential({
        layers: [
          tfl.layers.conv2d({ filters: 4, kernelSize: 2, inputShape: [5, 5, 2], activation: 'relu', name: 'conv' }),
          tfl.layers.conv2d({ filters: 3, kernelSize: 2, name: 'conv_2' }),
          tfl.layers.flatten({ name: 'flat' }),
          tfl.layers.dense({ units: 4, activation: 'relu', name: 'hidden' }),
          tfl.layers.dense({ units: 2, name: 'head' }),
        ],
      }),
  },
];

/** A case's model with seeded weights (norm variances positive), as a whittle Model. */
export async function seededModel(structuredCase: StructuredCase, seed: number): Promise<Model> {
  const layers = structuredCase.build();
  try {
    layers.layers.forEach((layer, layerIndex) =>
      layer.setWeights(
        layer.weights.map((weight, index) => {
          const positive = weight.originalName.endsWith('moving_variance');
          return tf.randomUniform(weight.shape as number[], positive ? 0.5 : -1, 1.5, 'float32', seed * 97 + layerIndex * 10 + index + 1);
        })
      )
    );
    return await fromLayersModel(layers);
  } finally {
    layers.dispose();
  }
}

/**
 * `model` with every weight that reads channels `dropped` of `group` set to zero (the rows of
 * each consumer), so those channels influence nothing downstream; with `everywhere`, every
 * entry of those channels in the group (producers, norms, depthwise kernels) is zeroed too.
 */
export function silenceChannels(model: Model, group: ChannelGroup, dropped: readonly number[], everywhere = false): Model {
  const updates = new Map<string, Encoding>();
  const data = new Map<string, Float32Array>();
  for (const entry of group.entries) {
    if (entry.effect !== 'reads' && !everywhere) continue;
    const param = model.params.get(entry.param)!;
    let values = data.get(entry.param);
    if (values === undefined) {
      values = Float32Array.from(decodeFloats(updates.get(entry.param) ?? param.value));
      data.set(entry.param, values);
    }
    const inner = param.shape.slice(entry.axis + 1).reduce((product, size) => product * size, 1);
    const size = param.shape[entry.axis]!;
    const zero = new Set(dropped.flatMap((channel) => entry.indices[channel]!));
    for (let flat = 0; flat < values.length; flat++) if (zero.has(Math.floor(flat / inner) % size)) values[flat] = 0;
    updates.set(entry.param, denseEncoding(hostTensor('float32', param.shape, values)));
  }
  return replaceParams(model, updates);
}

function decodeFloats(encoding: Encoding): Float32Array {
  return decodeToFloat32(encoding).data;
}

const BASE = 'http://whittle.test/model/';

/** `model` written by whittle and loaded by stock `tf.loadLayersModel` through tfjs's HTTP loader. */
export function loadStock(model: Model): Promise<tfl.LayersModel> {
  const artifacts = writeTfjsArtifacts(model);
  const files = new Map<string, string | Uint8Array>([['model.json', JSON.stringify(artifacts.modelJson)]]);
  for (const shard of artifacts.shards) files.set(shard.path, shard.bytes);
  const fetchFunc = async (input: RequestInfo | URL): Promise<Response> => {
    const body = files.get(String(input).slice(BASE.length));
    return body === undefined ? new Response(null, { status: 404 }) : new Response(body as BodyInit);
  };
  return tfl.loadLayersModel(tf.io.http(`${BASE}model.json`, { fetchFunc: fetchFunc as typeof fetch }));
}

/** Stock tfjs's predictions of `model` on a seeded batch of `rows` samples, as one flat array. */
export async function stockPredictions(model: Model, inputShape: readonly number[], seed: number, rows = 4): Promise<Float32Array> {
  const layers = await loadStock(model);
  try {
    // tfjs draws an unseeded stream for seed 0, so seeds start at 1.
    const inputs = tf.randomNormal([rows, ...inputShape], 0, 1, 'float32', seed + 1);
    const output = layers.predict(inputs) as tf.Tensor;
    const values = (await output.data()) as Float32Array;
    tf.dispose([inputs, output]);
    return values;
  } finally {
    layers.dispose();
  }
}

/** Elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}
