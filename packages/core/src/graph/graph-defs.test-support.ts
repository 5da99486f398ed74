/**
 * Test support: GraphModels written by hand (a GraphDef as tfjs-converter writes it, with
 * weights), read as whittle Models, and run by stock `tf.loadGraphModel`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfconverter from '@tensorflow/tfjs-converter';
import { readArtifacts, stockHttpHandler } from '../formats/tfjs/stock-loader.test-support.ts';
import { writeTfjsArtifacts, type TfjsArtifacts } from '../formats/tfjs/write-tfjs-artifacts.ts';
import type { Model } from '../model/types.ts';

const float = { type: 'DT_FLOAT' };
const text = (value: string) => ({ s: btoa(value) });
const ints = (values: number[]) => ({ list: { i: values.map(String) } });
const convAttributes = {
  T: float,
  strides: ints([1, 1, 1, 1]),
  padding: text('SAME'),
  data_format: text('NHWC'),
  dilations: ints([1, 1, 1, 1]),
};

function constant(name: string, shape: number[], dtype = 'DT_FLOAT') {
  return {
    name,
    op: 'Const',
    attr: {
      dtype: { type: dtype },
      value: { tensor: { dtype, tensorShape: { dim: shape.map((size) => ({ size: String(size) })) } } },
    },
  };
}

function placeholder(name: string, shape: number[]) {
  return {
    name,
    op: 'Placeholder',
    attr: { dtype: float, shape: { shape: { dim: shape.map((size) => ({ size: String(size) })) } } },
  };
}

/** A hand-written GraphModel: its GraphDef, its weights, and the input it is fed. */
export interface GraphCase {
  readonly name: string;
  readonly modelTopology: Record<string, unknown>;
  /** Each weight's name, shape, dtype and, for int32 ones, values. */
  readonly weights: ReadonlyArray<readonly [string, number[], 'float32' | 'int32', number[]?]>;
  readonly input: number[];
  readonly output: string;
}

export const GRAPH_CASES: readonly GraphCase[] = [
  {
    // relu(x·w1 + b1) + relu(x·w2 + b2) (a fused MatMul), a transposed MatMul, a ConcatV2 of both, a head.
    name: 'dense',
    modelTopology: {
      node: [
        placeholder('x', [-1, 4]),
        constant('w1', [4, 5]),
        constant('b1', [5]),
        constant('w2', [4, 5]),
        constant('b2', [5]),
        constant('w3', [3, 5]),
        constant('w4', [8, 2]),
        constant('b4', [2]),
        constant('concat/axis', [], 'DT_INT32'),
        {
          name: 'h1',
          op: 'MatMul',
          input: ['x', 'w1'],
          attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } },
        },
        { name: 'h1b', op: 'BiasAdd', input: ['h1', 'b1:0'], attr: { T: float, data_format: text('NHWC') } },
        { name: 'r1', op: 'Relu', input: ['h1b'], attr: { T: float } },
        {
          name: 'h2',
          op: '_FusedMatMul',
          input: ['x', 'w2', 'b2'],
          attr: {
            T: float,
            transpose_a: { b: false },
            transpose_b: { b: false },
            fused_ops: { list: { s: [btoa('BiasAdd'), btoa('Relu')] } },
            num_args: { i: '1' },
            epsilon: { f: 0 },
          },
        },
        { name: 'sum', op: 'AddV2', input: ['r1', 'h2'], attr: { T: float } },
        {
          name: 'a3',
          op: 'MatMul',
          input: ['sum', 'w3'],
          attr: { T: float, transpose_a: { b: false }, transpose_b: { b: true } },
        },
        { name: 't3', op: 'Tanh', input: ['a3'], attr: { T: float } },
        {
          name: 'joined',
          op: 'ConcatV2',
          input: ['sum', 't3', 'concat/axis'],
          attr: { T: float, N: { i: '2' }, Tidx: { type: 'DT_INT32' } },
        },
        {
          name: 'head',
          op: 'MatMul',
          input: ['joined', 'w4'],
          attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } },
        },
        { name: 'out', op: 'BiasAdd', input: ['head', 'b4'], attr: { T: float } },
      ],
      library: {},
      versions: { producer: 1286 },
    },
    weights: [
      ['w1', [4, 5], 'float32'],
      ['b1', [5], 'float32'],
      ['w2', [4, 5], 'float32'],
      ['b2', [5], 'float32'],
      ['w3', [3, 5], 'float32'],
      ['w4', [8, 2], 'float32'],
      ['b4', [2], 'float32'],
      ['concat/axis', [], 'int32', [-1]],
    ],
    input: [3, 4],
    output: 'out',
  },
  {
    // Conv2D → FusedBatchNormV3 → Relu6 → DepthwiseConv2dNative → MaxPool → _FusedConv2D (bias) → output.
    name: 'conv',
    modelTopology: {
      node: [
        placeholder('image', [-1, 6, 6, 2]),
        constant('f1', [3, 3, 2, 4]),
        constant('scale', [4]),
        constant('offset', [4]),
        constant('mean', [4]),
        constant('variance', [4]),
        constant('f2', [3, 3, 4, 1]),
        constant('f3', [1, 1, 4, 3]),
        constant('b3', [3]),
        { name: 'conv', op: 'Conv2D', input: ['image', 'f1'], attr: convAttributes },
        {
          name: 'norm',
          op: 'FusedBatchNormV3',
          input: ['conv', 'scale', 'offset', 'mean', 'variance'],
          attr: { T: float, U: float, epsilon: { f: 0.001 }, data_format: text('NHWC'), is_training: { b: false } },
        },
        { name: 'relu', op: 'Relu6', input: ['norm'], attr: { T: float } },
        { name: 'dw', op: 'DepthwiseConv2dNative', input: ['relu', 'f2'], attr: convAttributes },
        {
          name: 'pool',
          op: 'MaxPool',
          input: ['dw'],
          attr: {
            T: float,
            ksize: ints([1, 2, 2, 1]),
            strides: ints([1, 2, 2, 1]),
            padding: text('VALID'),
            data_format: text('NHWC'),
          },
        },
        {
          name: 'mix',
          op: '_FusedConv2D',
          input: ['pool', 'f3', 'b3'],
          attr: {
            ...convAttributes,
            fused_ops: { list: { s: [btoa('BiasAdd')] } },
            num_args: { i: '1' },
            epsilon: { f: 0 },
          },
        },
      ],
      library: {},
      versions: { producer: 1286 },
    },
    weights: [
      ['f1', [3, 3, 2, 4], 'float32'],
      ['scale', [4], 'float32'],
      ['offset', [4], 'float32'],
      ['mean', [4], 'float32'],
      ['variance', [4], 'float32'],
      ['f2', [3, 3, 4, 1], 'float32'],
      ['f3', [1, 1, 4, 3], 'float32'],
      ['b3', [3], 'float32'],
    ],
    input: [2, 6, 6, 2],
    output: 'mix',
  },
  {
    // Conv2D (valid) → Relu → Reshape to [-1, 27] (a flatten) → MatMul → BiasAdd.
    name: 'flatten',
    modelTopology: {
      node: [
        placeholder('image', [-1, 4, 4, 2]),
        constant('f', [2, 2, 2, 3]),
        constant('flat/shape', [2], 'DT_INT32'),
        constant('w', [27, 2]),
        constant('b', [2]),
        { name: 'conv', op: 'Conv2D', input: ['image', 'f'], attr: { ...convAttributes, padding: text('VALID') } },
        { name: 'relu', op: 'Relu', input: ['conv'], attr: { T: float } },
        {
          name: 'flat',
          op: 'Reshape',
          input: ['relu', 'flat/shape'],
          attr: { T: float, Tshape: { type: 'DT_INT32' } },
        },
        {
          name: 'head',
          op: 'MatMul',
          input: ['flat', 'w'],
          attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } },
        },
        { name: 'out', op: 'BiasAdd', input: ['head', 'b'], attr: { T: float } },
      ],
      library: {},
      versions: { producer: 1286 },
    },
    weights: [
      ['f', [2, 2, 2, 3], 'float32'],
      ['flat/shape', [2], 'int32', [-1, 27]],
      ['w', [27, 2], 'float32'],
      ['b', [2], 'float32'],
    ],
    input: [2, 4, 4, 2],
    output: 'out',
  },
];

/** A case's model.json and one shard of seeded weights (variances positive, the concat axis -1). */
export function graphArtifacts(graphCase: GraphCase): TfjsArtifacts {
  const parts: Uint8Array[] = [];
  graphCase.weights.forEach(([name, shape, dtype], index) => {
    const size = shape.reduce((product, dimension) => product * dimension, 1);
    if (dtype === 'int32') {
      parts.push(new Uint8Array(Int32Array.from(graphCase.weights[index]![3]!).buffer));
      return;
    }
    const values = Float32Array.from(
      { length: size },
      (_, at) => Math.sin(index * 31 + at * 1.7) * (name === 'variance' ? 0.5 : 1) + (name === 'variance' ? 1 : 0),
    );
    parts.push(new Uint8Array(values.buffer));
  });
  const bytes = new Uint8Array(parts.reduce((total, part) => total + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return {
    modelJson: {
      format: 'graph-model',
      generatedBy: 'hand',
      convertedBy: 'hand',
      modelTopology: graphCase.modelTopology,
      weightsManifest: [
        {
          paths: ['group1-shard1of1.bin'],
          weights: graphCase.weights.map(([name, shape, dtype]) => ({ name, shape, dtype })),
        },
      ],
    },
    shards: [{ path: 'group1-shard1of1.bin', bytes }],
  };
}

/** The case read as a whittle Model. */
export function graphModel(graphCase: GraphCase): Promise<Model> {
  return readArtifacts(graphArtifacts(graphCase));
}

/** `model` written by whittle, loaded by stock `tf.loadGraphModel`, run on `input`. */
export async function runStockGraph(model: Model, graphCase: GraphCase, input: tf.Tensor): Promise<Float32Array> {
  const graph = await tfconverter.loadGraphModel(stockHttpHandler(writeTfjsArtifacts(model)));
  const name = (graphCase.modelTopology.node as Array<{ name: string; op: string }>).find(
    (node) => node.op === 'Placeholder',
  )!.name;
  const output = graph.execute({ [name]: input }, graphCase.output) as tf.Tensor;
  const data = (await output.data()) as Float32Array;
  output.dispose();
  graph.dispose();
  return data;
}
