import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, test } from 'vitest';
import { decode } from '../../encoding/decode.ts';
import type { Model } from '../../model/types.ts';
import { tensorBits } from '../../testing/bits.ts';
import { decompress } from './decompress.ts';
import { whittleIOHandler } from './io-handler.ts';
import { artifactsFromSaved, readArtifacts, stockHttpHandler } from './stock-loader.test-support.ts';
import { writeTfjsArtifacts } from './write-tfjs-artifacts.ts';

let saved: tf.io.ModelArtifacts;
let original: tfl.LayersModel;
let input: tf.Tensor;
let tokens: tf.Tensor;

function buildModel(): tfl.LayersModel {
  const image = tfl.input({ shape: [6, 6, 2], name: 'image' });
  const ids = tfl.input({ shape: [3], name: 'ids', dtype: 'int32' });
  let x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, name: 'conv' }).apply(image) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'norm' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
  let e = tfl.layers.embedding({ inputDim: 10, outputDim: 4, name: 'embed' }).apply(ids) as tfl.SymbolicTensor;
  e = tfl.layers.flatten().apply(e) as tfl.SymbolicTensor;
  const joined = tfl.layers.concatenate().apply([x, e]) as tfl.SymbolicTensor;
  const output = tfl.layers.dense({ units: 3, name: 'head' }).apply(joined) as tfl.SymbolicTensor;
  return tfl.model({ inputs: [image, ids], outputs: output });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  original = buildModel();
  // Seeded weights keep the float16 / uint8 tolerances deterministic; non-trivial norm
  // statistics make the moving mean and variance matter (the variance stays positive).
  original.layers.forEach((layer, layerIndex) =>
    layer.setWeights(
      layer
        .getWeights()
        .map((weight, index) =>
          tf.randomUniform(
            weight.shape,
            layer.name === 'norm' && index === 3 ? 0.5 : -1,
            1.5,
            'float32',
            layerIndex * 10 + index
          )
        )
    )
  );
  await original.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    })
  );
  input = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 7);
  tokens = tf.tensor2d(
    [
      [1, 2, 9],
      [0, 5, 5],
    ],
    [2, 3],
    'int32'
  );
});

async function predict(model: tfl.LayersModel): Promise<Float32Array> {
  return (model.predict([input, tokens]) as tf.Tensor).data() as Promise<Float32Array>;
}

async function readSaved(): Promise<Model> {
  return readArtifacts(artifactsFromSaved(saved));
}

describe('a real tfjs-layers LayersModel', () => {
  test('reads with roles from the Keras topology and the topology kept verbatim', async () => {
    const model = await readSaved();
    expect(model.format).toBe('tfjs-layers');
    expect((model.topology as Record<string, unknown>).modelTopology).toEqual(saved.modelTopology);
    expect((model.topology as Record<string, unknown>).format).toBe('layers-model');
    const roles = Object.fromEntries(
      [...model.params.values()].map((param) => [param.name, [param.role, param.layer]])
    );
    expect(roles).toEqual({
      'conv/kernel': ['conv2d-kernel', 'conv'],
      'conv/bias': ['bias', 'conv'],
      'norm/gamma': ['norm-gamma', 'norm'],
      'norm/beta': ['norm-beta', 'norm'],
      'norm/moving_mean': ['norm-mean', 'norm'],
      'norm/moving_variance': ['norm-variance', 'norm'],
      'embed/embeddings': ['embedding', 'embed'],
      'head/kernel': ['dense-kernel', 'head'],
      'head/bias': ['bias', 'head'],
    });
  });

  test('written back in stock float32 loads with plain tf.loadLayersModel and predicts identically', async () => {
    const model = await readSaved();
    const artifacts = writeTfjsArtifacts(model, { shardBytes: 100 });
    expect(artifacts.shards.length).toBeGreaterThan(3);
    const loaded = await tfl.loadLayersModel(stockHttpHandler(artifacts));
    expect(Array.from(await predict(loaded))).toEqual(Array.from(await predict(original)));
  });

  test('stock float16 and uint8 load with plain tfjs and predict closely', async () => {
    const expected = await predict(original);
    const scale = Math.max(...expected.map(Math.abs));
    for (const [dtype, tolerance] of [
      ['float16', 2e-3],
      ['uint8', 6e-2],
    ] as const) {
      const model = decompress(await readSaved(), { dtype });
      const artifacts = writeTfjsArtifacts(model);
      const kinds = new Set(artifacts.modelJson.weightsManifest[0]!.weights.map((entry) => entry.quantization?.dtype));
      expect(kinds).toEqual(new Set([dtype]));
      expect(artifacts.modelJson.whittle).toBeUndefined();
      const actual = await predict(await tfl.loadLayersModel(stockHttpHandler(artifacts)));
      actual.forEach((value, index) =>
        expect(Math.abs(value - expected[index]!)).toBeLessThanOrEqual(tolerance * scale)
      );
      // whittle reads back exactly what tfjs decoded.
      const back = await readArtifacts(artifacts);
      const viaWhittle = await predict(await tfl.loadLayersModel(whittleIOHandler(back)));
      expect(Array.from(viaWhittle)).toEqual(Array.from(actual));
      for (const param of back.params.values()) {
        expect(tensorBits(decode(param.value))).toEqual(tensorBits(decode(model.params.get(param.name)!.value)));
      }
    }
  });
});
