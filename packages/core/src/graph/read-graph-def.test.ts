import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { decode } from '../encoding/decode.ts';
import { denseEncoding } from '../encoding/dense.ts';
import type { Encoding } from '../encoding/types.ts';
import { replaceParams } from '../model/replace-params.ts';
import type { Model } from '../model/types.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { channelGroups } from './channel-groups.ts';
import { GRAPH_CASES, graphModel, runStockGraph } from './graph-defs.test-support.ts';
import { consumers, producers } from './graph-queries.ts';
import { groupWith } from './group-queries.test-support.ts';
import { readModelGraph, topologyWithGraph } from './read-model-graph.ts';
import { rewriteModel } from './rewrite-model.ts';
import type { ChannelGroup } from './types.ts';
import { writeGraphDef } from './write-graph-def.ts';

const models = new Map<string, Model>();
const dense = GRAPH_CASES[0]!;
const conv = GRAPH_CASES[1]!;

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const graphCase of GRAPH_CASES) models.set(graphCase.name, await graphModel(graphCase));
});

function summary(group: ChannelGroup): Record<string, string> {
  return Object.fromEntries(
    group.entries.map((entry) => [`${entry.param}@${entry.axis}`, `${entry.effect} ${JSON.stringify(entry.indices)}`]),
  );
}

describe('GraphDefs written by hand', () => {
  for (const graphCase of GRAPH_CASES) {
    test(`${graphCase.name}: read → write is the identity, and stock tfjs runs what is written back`, async () => {
      const model = models.get(graphCase.name)!;
      const graph = readModelGraph(model);
      expect(writeGraphDef(graph, model.params)).toEqual(graphCase.modelTopology);
      expect(topologyWithGraph(model, graph, model.params)).toEqual(model.topology);
      const input = tf.randomNormal(graphCase.input, 0, 1, 'float32', 4);
      expect(await runStockGraph(model, graphCase, input)).toEqual(
        await runStockGraph(rewriteModel(model).build(), graphCase, input),
      );
    });
  }

  test('edges, params and axes follow the ops', () => {
    const graph = readModelGraph(models.get('dense')!);
    expect(producers(graph, 'joined').map((edge) => [edge.from, edge.input])).toEqual([
      ['sum', 0],
      ['t3', 1],
      ['concat/axis', 2],
    ]);
    expect(
      consumers(graph, 'sum')
        .map((edge) => edge.to)
        .sort(),
    ).toEqual(['a3', 'joined']);
    expect(graph.inputs).toEqual(['x']);
    expect(graph.outputs).toEqual([{ node: 'out', output: 0 }]);
    const a3 = graph.nodes.find((node) => node.name === 'a3')!;
    expect(a3.params).toEqual([
      {
        param: 'w3',
        slot: 'b',
        axes: [
          { axis: 0, side: 'output', copies: 1, arrangement: 'contiguous' },
          { axis: 1, side: 'input', copies: 1, arrangement: 'contiguous' },
        ],
      },
    ]);
  });

  test('channel groups: an AddV2 joins a MatMul and a fused MatMul; ConcatV2 offsets the second input', () => {
    const model = models.get('dense')!;
    const groups = channelGroups(readModelGraph(model), model);
    const identity = (count: number, offset = 0) =>
      JSON.stringify(Array.from({ length: count }, (_, index) => [index + offset]));
    const joined = groupWith(groups, 'w1', 1);
    expect(joined).toBe(groupWith(groups, 'w2', 1));
    expect(summary(joined)).toEqual({
      'w1@1': `produces ${identity(5)}`,
      'b1@0': `carries ${identity(5)}`,
      'w2@1': `produces ${identity(5)}`,
      'b2@0': `produces ${identity(5)}`,
      'w3@1': `reads ${identity(5)}`,
      'w4@0': `reads ${identity(5)}`,
    });
    expect(joined.prunable).toBe(true);
    expect(summary(groupWith(groups, 'w3', 0))).toEqual({
      'w3@0': `produces ${identity(3)}`,
      'w4@0': `reads ${identity(3, 5)}`,
    });
    expect(groupWith(groups, 'w4', 1).reasons).toEqual(['"out" is a model output']);

    const convModel = models.get('conv')!;
    const filters = groupWith(channelGroups(readModelGraph(convModel), convModel), 'f1', 3);
    expect(Object.keys(summary(filters)).sort()).toEqual([
      'f1@3',
      'f2@2',
      'f3@2',
      'mean@0',
      'offset@0',
      'scale@0',
      'variance@0',
    ]);
    expect(filters.prunable).toBe(true);
  });

  test('slicing channels whose outgoing weights are zero leaves stock loadGraphModel outputs unchanged', async () => {
    const candidates = GRAPH_CASES.flatMap((graphCase) =>
      rewriteModel(models.get(graphCase.name)!)
        .groups()
        .filter((group) => group.prunable)
        .map((group) => ({ graphCase, group: group.id })),
    );
    expect(candidates.length).toBe(4);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...candidates),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        fc.nat(1000),
        async (candidate, mask, seed) => {
          const model = models.get(candidate.graphCase.name)!;
          const group = rewriteModel(model).groups()[candidate.group]!;
          const all = Array.from({ length: group.channels }, (_, channel) => channel);
          let keep = all.filter((channel) => mask[channel]);
          if (keep.length === 0 || keep.length === all.length) keep = [seed % group.channels];
          const silent = silenceReads(
            model,
            group,
            all.filter((channel) => !keep.includes(channel)),
          );
          const sliced = rewriteModel(silent).sliceChannels(group, keep).build();
          const input = tf.randomNormal(candidate.graphCase.input, 0, 1, 'float32', seed);
          const before = await runStockGraph(silent, candidate.graphCase, input);
          const after = await runStockGraph(sliced, candidate.graphCase, input);
          input.dispose();
          expect(after.length).toBe(before.length);
          after.forEach((value, index) =>
            expect(Math.abs(value - before[index]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(before[index]!))),
          );
          // The constants in the written GraphDef record the sliced shapes.
          const written = (
            sliced.topology as {
              modelTopology: {
                node: Array<{
                  name: string;
                  attr: { value?: { tensor: { tensorShape: { dim: Array<{ size: string }> } } } };
                }>;
              };
            }
          ).modelTopology;
          for (const param of sliced.params.values()) {
            const node = written.node.find((entry) => entry.name === param.name)!;
            expect(node.attr.value!.tensor.tensorShape.dim.map((dim) => Number(dim.size))).toEqual(param.shape);
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  test('a Reshape to [-1, size] flattens channels-last, and its size shrinks with the slice', async () => {
    const model = models.get('flatten')!;
    const group = groupWith(channelGroups(readModelGraph(model), model), 'f', 3);
    const blocks = Array.from({ length: 3 }, (_, channel) =>
      Array.from({ length: 9 }, (_, position) => position * 3 + channel),
    );
    expect(summary(group)['w@0']).toEqual(`reads ${JSON.stringify(blocks)}`);
    expect(group.shapes).toEqual([{ node: 'flat', param: 'flat/shape', position: 1, indices: blocks }]);
    const sliced = rewriteModel(model).sliceChannels(group, [1]).build();
    expect(Array.from(decode(sliced.params.get('flat/shape')!.value).data)).toEqual([-1, 9]);
    expect(sliced.params.get('w')!.shape).toEqual([9, 2]);
  });

  test('a MatMul replaced by a chain of two (each with its constants) runs the same', async () => {
    const model = models.get('dense')!;
    const w3 = decode(model.params.get('w3')!.value);
    const identity = hostTensor('float32', [3, 3], Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1));
    const rewritten = rewriteModel(model)
      .replaceNode('a3', [
        {
          name: 'a3_first',
          op: 'MatMul',
          attributes: { transpose_a: { b: false }, transpose_b: { b: true } },
          params: { b: w3 },
        },
        {
          name: 'a3_second',
          op: 'MatMul',
          attributes: { transpose_a: { b: false }, transpose_b: { b: false } },
          params: { b: identity },
        },
      ])
      .build();
    expect([...rewritten.params.keys()]).toContain('a3_second/b');
    expect(rewritten.params.has('w3')).toBe(false);
    const input = tf.randomNormal(dense.input, 0, 1, 'float32', 8);
    const expected = await runStockGraph(model, dense, input);
    const actual = await runStockGraph(rewritten, dense, input);
    actual.forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, 5));
    input.dispose();
  });

  test('an op inserted after another feeds all its consumers; the model rewritten is left as it was', async () => {
    const model = models.get('dense')!;
    const topologyBefore = JSON.stringify(model.topology);
    const rewrite = rewriteModel(model).insertNode('h1b', {
      name: 'copy',
      op: 'Identity',
      attributes: { T: { type: 'DT_FLOAT' } },
    });
    expect(rewrite.graph.edges.filter((edge) => edge.from === 'copy').map((edge) => edge.to)).toEqual(['r1']);
    const group = rewrite
      .groups()
      .find((candidate) => candidate.entries.some((entry) => entry.param === 'w1' && entry.effect === 'produces'))!;
    const sliced = rewrite.sliceChannels(group, [0, 1, 2]).build();
    expect(JSON.stringify(model.topology)).toBe(topologyBefore);
    expect(model.params.get('w1')!.shape).toEqual([4, 5]);
    const input = tf.randomNormal(dense.input, 0, 1, 'float32', 11);
    const inserted = await runStockGraph(rewrite.build(), dense, input);
    expect(inserted).toEqual(await runStockGraph(model, dense, input));
    expect((await runStockGraph(sliced, dense, input)).length).toBe(inserted.length);
    input.dispose();
  });

  test('ops it does not understand freeze the channels they touch, with the reason', async () => {
    const topology = structuredClone(conv.modelTopology) as {
      node: Array<{ name: string; op: string; attr: Record<string, unknown> }>;
    };
    topology.node.find((node) => node.name === 'relu')!.op = 'Softmax';
    const base = models.get('conv')!;
    const model = { ...base, topology: { ...(base.topology as object), modelTopology: topology } };
    const filters = groupWith(channelGroups(readModelGraph(model), model), 'f1', 3);
    expect(filters.prunable).toBe(false);
    expect(filters.reasons).toEqual(['Softmax "relu": Softmax ops are not understood']);
  });
});

function silenceReads(model: Model, group: ChannelGroup, dropped: readonly number[]): Model {
  const updates = new Map<string, Encoding>();
  for (const entry of group.entries) {
    if (entry.effect !== 'reads') continue;
    const tensor = decode(updates.get(entry.param) ?? model.params.get(entry.param)!.value);
    const data = Float32Array.from(tensor.data as Float32Array);
    const inner = tensor.shape.slice(entry.axis + 1).reduce((product, size) => product * size, 1);
    const zero = new Set(dropped.flatMap((channel) => entry.indices[channel]!));
    for (let flat = 0; flat < data.length; flat++)
      if (zero.has(Math.floor(flat / inner) % tensor.shape[entry.axis]!)) data[flat] = 0;
    updates.set(entry.param, denseEncoding(hostTensor('float32', tensor.shape, data)));
  }
  return replaceParams(model, updates);
}
