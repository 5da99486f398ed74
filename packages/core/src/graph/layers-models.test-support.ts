/**
 * Test support: small tfjs-layers models of every shape the graph must understand, saved and
 * read as whittle Models, and stock tfjs loading whittle's output through its HTTP loader.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { artifactsFromSaved, readArtifacts, stockHttpHandler } from '../formats/tfjs/stock-loader.test-support.ts';
import { writeTfjsArtifacts } from '../formats/tfjs/write-tfjs-artifacts.ts';
import type { Model } from '../model/types.ts';

type Symbolic = tfl.SymbolicTensor;
const apply = (layer: { apply: (input: Symbolic | Symbolic[]) => unknown }, input: Symbolic | Symbolic[]): Symbolic =>
  layer.apply(input) as Symbolic;

/** A model builder and the input batches it predicts on. */
export interface LayersCase {
  readonly name: string;
  readonly build: () => tfl.LayersModel;
  readonly inputs: (seed: number) => tf.Tensor[];
}

const floats = (shape: number[]) => (seed: number) => [tf.randomNormal([3, ...shape], 0, 1, 'float32', seed)];

export const LAYERS_CASES: readonly LayersCase[] = [
  {
    name: 'mlp',
    build: () =>
      tfl.sequential({
        layers: [
          tfl.layers.dense({ units: 8, activation: 'relu', inputShape: [5], name: 'hidden_1' }),
          tfl.layers.dropout({ rate: 0.5, name: 'drop' }),
          tfl.layers.dense({ units: 6, activation: 'tanh', name: 'hidden_2' }),
          tfl.layers.dense({ units: 3, name: 'head' }),
        ],
      }),
    inputs: floats([5]),
  },
  {
    name: 'cnn',
    build: () => {
      const input = tfl.input({ shape: [8, 8, 3], name: 'image' });
      let x = apply(tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'conv' }), input);
      x = apply(tfl.layers.batchNormalization({ name: 'norm' }), x);
      x = apply(tfl.layers.activation({ activation: 'relu', name: 'relu' }), x);
      x = apply(tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw' }), x);
      x = apply(tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool' }), x);
      x = apply(tfl.layers.zeroPadding2d({ padding: 1, name: 'pad' }), x);
      x = apply(tfl.layers.separableConv2d({ filters: 5, kernelSize: 3, name: 'sep' }), x);
      x = apply(tfl.layers.globalAveragePooling2d({ name: 'gap' }), x);
      return tfl.model({ inputs: input, outputs: apply(tfl.layers.dense({ units: 2, name: 'head' }), x) });
    },
    inputs: floats([8, 8, 3]),
  },
  {
    // tfjs-layers 4.22 saves no depth multiplier for SeparableConv2D (so only 1 round-trips);
    // DepthwiseConv2D keeps its own.
    name: 'depthwise-multiplier',
    build: () =>
      tfl.sequential({
        layers: [
          tfl.layers.conv2d({ filters: 3, kernelSize: 1, inputShape: [5, 5, 2], activation: 'elu', name: 'conv' }),
          tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, name: 'dw' }),
          tfl.layers.conv2d({ filters: 4, kernelSize: 1, name: 'mix' }),
          tfl.layers.flatten({ name: 'flat' }),
          tfl.layers.dense({ units: 2, name: 'head' }),
        ],
      }),
    inputs: floats([5, 5, 2]),
  },
  {
    name: 'residual',
    build: () => {
      const input = tfl.input({ shape: [6], name: 'features' });
      const a = apply(tfl.layers.dense({ units: 4, name: 'a' }), input);
      const b = apply(tfl.layers.dense({ units: 4, activation: 'relu', name: 'b' }), a);
      const sum = apply(tfl.layers.add({ name: 'sum' }), [a, b]);
      const normed = apply(tfl.layers.layerNormalization({ name: 'layer_norm' }), sum);
      return tfl.model({ inputs: input, outputs: apply(tfl.layers.dense({ units: 3, name: 'head' }), normed) });
    },
    inputs: floats([6]),
  },
  {
    name: 'concatenate',
    build: () => {
      const input = tfl.input({ shape: [5], name: 'features' });
      const p = apply(tfl.layers.dense({ units: 3, activation: 'relu', name: 'p' }), input);
      const q = apply(tfl.layers.dense({ units: 4, activation: 'sigmoid', name: 'q' }), input);
      const joined = apply(tfl.layers.concatenate({ name: 'joined' }), [p, q]);
      return tfl.model({ inputs: input, outputs: apply(tfl.layers.dense({ units: 2, name: 'head' }), joined) });
    },
    inputs: floats([5]),
  },
  {
    name: 'flatten-dense',
    build: () =>
      tfl.sequential({
        layers: [
          tfl.layers.conv2d({ filters: 3, kernelSize: 2, inputShape: [4, 4, 2], name: 'conv' }),
          tfl.layers.flatten({ name: 'flat' }),
          tfl.layers.dense({ units: 2, name: 'head' }),
        ],
      }),
    inputs: floats([4, 4, 2]),
  },
  {
    name: 'embedding-gru',
    build: () => {
      const tokens = tfl.input({ shape: [5], name: 'tokens', dtype: 'int32' });
      const embedded = apply(tfl.layers.embedding({ inputDim: 10, outputDim: 4, name: 'embed' }), tokens);
      const state = apply(tfl.layers.gru({ units: 6, name: 'gru', recurrentInitializer: 'glorotNormal' }), embedded);
      return tfl.model({ inputs: tokens, outputs: apply(tfl.layers.dense({ units: 2, name: 'head' }), state) });
    },
    inputs: (seed) => [tf.cast(tf.floor(tf.randomUniform([3, 5], 0, 10, 'float32', seed)), 'int32')],
  },
  {
    name: 'lstm',
    build: () =>
      tfl.sequential({
        layers: [
          tfl.layers.lstm({
            units: 4,
            returnSequences: true,
            inputShape: [5, 3],
            name: 'lstm_1',
            recurrentInitializer: 'glorotNormal',
          }),
          tfl.layers.lstm({ units: 3, name: 'lstm_2', recurrentInitializer: 'glorotNormal' }),
          tfl.layers.dense({ units: 2, name: 'head' }),
        ],
      }),
    inputs: floats([5, 3]),
  },
];

/** Builds a case's model with seeded, non-trivial weights (norm variances positive). */
export function buildSeeded(layersCase: LayersCase): tfl.LayersModel {
  const model = layersCase.build();
  model.layers.forEach((layer, layerIndex) =>
    layer.setWeights(
      layer.weights.map((weight, index) => {
        const positive = weight.originalName.endsWith('moving_variance');
        return tf.randomUniform(
          weight.shape as number[],
          positive ? 0.5 : -1,
          1.5,
          'float32',
          layerIndex * 10 + index + 1,
        );
      }),
    ),
  );
  return model;
}

/** What tfjs-layers saves for a model, read back as a whittle Model through model.json text. */
export async function savedModel(model: tfl.LayersModel): Promise<{ model: Model; artifacts: tf.io.ModelArtifacts }> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return { model: await readArtifacts(artifactsFromSaved(saved!)), artifacts: saved! };
}

/** `model` written by whittle and loaded by stock `tf.loadLayersModel` through its HTTP loader. */
export function loadStockLayers(model: Model): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(stockHttpHandler(writeTfjsArtifacts(model)));
}

/** The stock model's predictions on `inputs`, as one flat array. */
export async function predictFlat(model: tfl.LayersModel, inputs: tf.Tensor[]): Promise<Float32Array> {
  const output = model.predict(inputs.length === 1 ? inputs[0]! : inputs) as tf.Tensor;
  const data = (await output.data()) as Float32Array;
  output.dispose();
  return data;
}
