import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { consumers, graphNode, producers, topologicalOrder } from './graph-queries.ts';
import { buildSeeded, LAYERS_CASES, loadStockLayers, predictFlat, savedModel } from './layers-models.test-support.ts';
import { readModelGraph, topologyWithGraph } from './read-model-graph.ts';
import { writeKerasTopology } from './write-keras-topology.ts';
import { createModel } from '../model/create-model.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('reading and writing Keras topologies that tfjs-layers saved', () => {
  for (const layersCase of LAYERS_CASES) {
    test(`${layersCase.name}: read → write is the identity and every edge runs forward`, async () => {
      const { model, artifacts } = await savedModel(buildSeeded(layersCase));
      const graph = readModelGraph(model);
      expect(writeKerasTopology(graph)).toEqual(artifacts.modelTopology);
      expect(topologyWithGraph(model, graph, model.params)).toEqual(model.topology);
      const position = new Map(topologicalOrder(graph).map((name, index) => [name, index]));
      expect(position.size).toBe(graph.nodes.length);
      for (const edge of graph.edges) expect(position.get(edge.from)!).toBeLessThan(position.get(edge.to)!);
      // Every param is bound exactly once, to the layer tfjs saved it under.
      const bound = graph.nodes.flatMap((node) => node.params.map((binding) => [binding.param, node.name]));
      expect(bound.map(([param]) => param).sort()).toEqual([...model.params.keys()].sort());
      for (const [param, node] of bound) expect(param!.startsWith(`${node}/`)).toBe(true);
    });
  }

  test('a model rebuilt from the written topology predicts what the original does', async () => {
    for (const layersCase of LAYERS_CASES) {
      const original = buildSeeded(layersCase);
      const { model } = await savedModel(original);
      const graph = readModelGraph(model);
      const rewritten = createModel({
        format: model.format,
        topology: topologyWithGraph(model, graph, model.params),
        params: model.params,
      });
      const inputs = layersCase.inputs(3);
      expect(await predictFlat(await loadStockLayers(rewritten), inputs)).toEqual(await predictFlat(original, inputs));
    }
  });

  test('producers and consumers follow the functional wiring', async () => {
    const residual = LAYERS_CASES.find((entry) => entry.name === 'residual')!;
    const graph = readModelGraph((await savedModel(buildSeeded(residual))).model);
    expect(producers(graph, 'sum').map((edge) => [edge.from, edge.input])).toEqual([
      ['a', 0],
      ['b', 1],
    ]);
    expect(
      consumers(graph, 'a')
        .map((edge) => edge.to)
        .sort(),
    ).toEqual(['b', 'sum']);
    expect(graph.inputs).toEqual(['features']);
    expect(graph.outputs).toEqual([{ node: 'head', output: 0 }]);
    expect(
      graphNode(graph, 'b').params.map((binding) => [binding.slot, binding.axes.map((axis) => [axis.axis, axis.side])]),
    ).toEqual([
      [
        'kernel',
        [
          [0, 'input'],
          [1, 'output'],
        ],
      ],
      ['bias', [[0, 'output']]],
    ]);
  });

  test('a Sequential model without an InputLayer gets its implicit input, written back as it was', async () => {
    const mlp = LAYERS_CASES.find((entry) => entry.name === 'mlp')!;
    const { model, artifacts } = await savedModel(buildSeeded(mlp));
    const graph = readModelGraph(model);
    expect(graph.nodes[0]).toMatchObject({
      name: 'hidden_1_input',
      op: 'InputLayer',
      attributes: { batch_input_shape: [null, 5] },
    });
    expect(graph.nodes.map((node) => node.op)).toEqual(['InputLayer', 'Dense', 'Dropout', 'Dense', 'Dense']);
    expect(writeKerasTopology(graph)).toEqual(artifacts.modelTopology);
  });

  test('the converter’s model_config wrapper and a bare topology read and write back the same', async () => {
    const mlp = LAYERS_CASES.find((entry) => entry.name === 'mlp')!;
    const { model, artifacts } = await savedModel(buildSeeded(mlp));
    const wrapped = { keras_version: '2.15.0', backend: 'tensorflow', model_config: artifacts.modelTopology };
    for (const topology of [wrapped, artifacts.modelTopology]) {
      const bare = createModel({ format: 'tfjs-layers', topology, params: model.params });
      expect(writeKerasTopology(readModelGraph(bare))).toEqual(topology);
    }
  });
});
