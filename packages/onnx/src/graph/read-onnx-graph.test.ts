import { describe, expect, test } from 'vitest';
import { encodeModelProto } from '../protobuf/decode-model-proto.ts';
import { readOnnxModel } from '../model/read-onnx-model.ts';
import { buildModelProto, embeddingSpec, mlpSpec } from '../test-support/test-models.ts';
import { readOnnxGraph } from './read-onnx-graph.ts';

describe('readOnnxGraph', () => {
  test('the MLP: an input, four ops with their params bound by slot, edges from producer to consumer', async () => {
    const graph = readOnnxGraph(await readOnnxModel(encodeModelProto(buildModelProto(mlpSpec()))));
    expect(graph.format).toBe('onnx');
    expect(graph.nodes.map((node) => [node.name, node.op])).toEqual([
      ['x', 'Input'],
      ['fc1', 'MatMul'],
      ['add_1', 'Add'],
      ['relu_2', 'Relu'],
      ['fc2', 'MatMul'],
      ['add_4', 'Add'],
    ]);
    expect(graph.nodes[1]!.params).toEqual([{ param: 'w1', slot: 'input1', axes: [] }]);
    expect(graph.edges).toEqual([
      { from: 'x', output: 0, to: 'fc1', input: 0 },
      { from: 'fc1', output: 0, to: 'add_1', input: 0 },
      { from: 'add_1', output: 0, to: 'relu_2', input: 0 },
      { from: 'relu_2', output: 0, to: 'fc2', input: 0 },
      { from: 'fc2', output: 0, to: 'add_4', input: 0 },
    ]);
    expect(graph.inputs).toEqual(['x']);
    expect(graph.outputs).toEqual([{ node: 'add_4', output: 0 }]);
  });

  test('initializers that are not params are nodes; attributes are plain data', async () => {
    const graph = readOnnxGraph(await readOnnxModel(encodeModelProto(buildModelProto(embeddingSpec()))));
    expect(graph.nodes.find((node) => node.name === 'axes')).toEqual({ name: 'axes', op: 'Initializer', attributes: { dataType: 7, dims: [1] }, params: [] });
    const reduce = graph.nodes.find((node) => node.op === 'ReduceMean')!;
    expect(reduce.attributes).toEqual({ keepdims: 0 });
    expect(graph.edges).toContainEqual({ from: 'axes', output: 0, to: reduce.name, input: 1 });
    expect(graph.nodes.find((node) => node.op === 'Gather')!.params).toEqual([{ param: 'table', slot: 'input0', axes: [] }]);
  });
});
