import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfconverter from '@tensorflow/tfjs-converter';
import { beforeAll, describe, expect, test } from 'vitest';
import { codebookFromIndices } from '../../encoding/codebook.ts';
import { castDense } from '../../encoding/dense.ts';
import { decode } from '../../encoding/decode.ts';
import type { Encoding } from '../../encoding/types.ts';
import { replaceParams } from '../../model/replace-params.ts';
import { tensorBits } from '../../testing/bits.ts';
import { whittleIOHandler } from './io-handler.ts';
import { readArtifacts, stockHttpHandler } from './stock-loader.test-support.ts';
import { writeTfjsArtifacts, type TfjsArtifacts } from './write-tfjs-artifacts.ts';

const float = { type: 'DT_FLOAT' };
const constant = (name: string, dtype: string, dims: number[]) => ({
  name,
  op: 'Const',
  attr: {
    dtype: { type: dtype },
    value: { tensor: { dtype, tensorShape: { dim: dims.map((size) => ({ size: String(size) })) } } },
  },
});

/** relu(x · w + b) reshaped to [-1, 3]: Placeholder, Const weights, MatMul, BiasAdd, Relu, Reshape. */
const modelTopology = {
  node: [
    {
      name: 'x',
      op: 'Placeholder',
      attr: { dtype: float, shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } },
    },
    constant('dense/kernel', 'DT_FLOAT', [4, 3]),
    constant('dense/bias', 'DT_FLOAT', [3]),
    constant('target_shape', 'DT_INT32', [2]),
    {
      name: 'dense/MatMul',
      op: 'MatMul',
      input: ['x', 'dense/kernel'],
      attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } },
    },
    {
      name: 'dense/BiasAdd',
      op: 'BiasAdd',
      input: ['dense/MatMul', 'dense/bias:0'],
      attr: { T: float, data_format: { s: 'TkhXQw==' } },
    },
    { name: 'dense/Relu', op: 'Relu', input: ['dense/BiasAdd'], attr: { T: float } },
    {
      name: 'output',
      op: 'Reshape',
      input: ['dense/Relu', 'target_shape'],
      attr: { T: float, Tshape: { type: 'DT_INT32' } },
    },
  ],
  library: {},
  versions: { producer: 1286 },
};

const kernel = Float32Array.from({ length: 12 }, (_, index) => Math.sin(index + 1));
const bias = Float32Array.of(0.5, -0.25, 0.125);

function handMadeArtifacts(): TfjsArtifacts {
  const bytes = new Uint8Array(12 * 4 + 3 * 4 + 2 * 4);
  bytes.set(new Uint8Array(kernel.buffer), 0);
  bytes.set(new Uint8Array(bias.buffer), 48);
  bytes.set(new Uint8Array(Int32Array.of(-1, 3).buffer), 60);
  return {
    modelJson: {
      format: 'graph-model',
      generatedBy: '2.15.0',
      convertedBy: 'hand',
      modelTopology,
      userDefinedMetadata: { note: 'kept verbatim' },
      weightsManifest: [
        {
          paths: ['group1-shard1of1.bin'],
          weights: [
            { name: 'dense/kernel', shape: [4, 3], dtype: 'float32' },
            { name: 'dense/bias', shape: [3], dtype: 'float32' },
            { name: 'target_shape', shape: [2], dtype: 'int32' },
          ],
        },
      ],
    },
    shards: [{ path: 'group1-shard1of1.bin', bytes }],
  };
}

let x: tf.Tensor;
let expected: number[];

beforeAll(async () => {
  await tf.setBackend('cpu');
  x = tf.tensor2d([
    [1, -2, 0.5, 3],
    [0, 1, -1, 2],
  ]);
  expected = Array.from(tf.relu(tf.add(tf.matMul(x, tf.tensor2d(kernel, [4, 3])), tf.tensor1d(bias))).dataSync());
});

async function run(graph: tfconverter.GraphModel): Promise<number[]> {
  return Array.from(await (graph.execute({ x }, 'output') as tf.Tensor).data());
}

describe('a hand-written GraphModel', () => {
  test('reads with op-based roles and loads through whittle’s handler', async () => {
    const model = await readArtifacts(handMadeArtifacts());
    expect(model.format).toBe('tfjs-graph');
    expect([...model.params.values()].map((param) => [param.name, param.role])).toEqual([
      ['dense/kernel', 'dense-kernel'],
      ['dense/bias', 'bias'],
      ['target_shape', 'other'],
    ]);
    expect((model.topology as Record<string, unknown>).userDefinedMetadata).toEqual({ note: 'kept verbatim' });
    expect(await run(await tfconverter.loadGraphModel(whittleIOHandler(model)))).toEqual(expected);
  });

  test('written in stock form it loads with plain loadGraphModel; a non-stock param makes plain tfjs throw', async () => {
    const model = await readArtifacts(handMadeArtifacts());
    const stock = writeTfjsArtifacts(model);
    expect(stock.modelJson.userDefinedMetadata).toEqual({ note: 'kept verbatim' });
    expect(await run(await tfconverter.loadGraphModel(stockHttpHandler(stock)))).toEqual(expected);

    const codebook = codebookFromIndices({
      shape: [4, 3],
      centroids: { dtype: 'float32', shape: [4], data: Float32Array.of(-1, -0.25, 0.25, 1) },
      indices: Array.from({ length: 12 }, (_, index) => (index * 7) % 4),
    });
    const compressed = replaceParams(
      model,
      new Map<string, Encoding>([
        ['dense/kernel', codebook],
        ['dense/bias', castDense(decode(model.params.get('dense/bias')!.value), 'bfloat16')],
      ])
    );
    const artifacts = writeTfjsArtifacts(compressed);
    await expect(tfconverter.loadGraphModel(stockHttpHandler(artifacts))).rejects.toThrow(
      /Unsupported dtype in weight/
    );
    const back = await readArtifacts(artifacts);
    expect(back.params.get('dense/kernel')!.value).toEqual(codebook);
    const graph = await tfconverter.loadGraphModel(whittleIOHandler(back));
    const weights = (graph as unknown as { weights: Record<string, tf.Tensor[]> }).weights;
    expect(
      tensorBits({ dtype: 'float32', shape: [4, 3], data: weights['dense/kernel']![0]!.dataSync() as Float32Array })
    ).toEqual(tensorBits(decode(codebook)));
    const decodedKernel = tf.tensor2d(decode(codebook).data as Float32Array, [4, 3]);
    const decodedBias = tf.tensor1d(decode(compressed.params.get('dense/bias')!.value).data as Float32Array);
    expect(await run(graph)).toEqual(Array.from(tf.relu(tf.add(tf.matMul(x, decodedKernel), decodedBias)).dataSync()));
  });
});
