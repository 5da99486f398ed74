import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WhittleError } from '../errors.ts';
import { channelGroups } from './channel-groups.ts';
import { consumers, graphNode, producers, topologicalOrder } from './graph-queries.ts';
import type { ModelGraph } from './types.ts';

/** A graph of another format, built by hand as a future reader (ONNX) would: the types hold it as they are. */
const onnx: ModelGraph = {
  format: 'onnx',
  nodes: [
    { name: 'input', op: 'Input', attributes: { shape: [1, 4] }, params: [] },
    {
      name: 'fc',
      op: 'Gemm',
      attributes: { transB: 1 },
      params: [
        {
          param: 'fc.weight',
          slot: 'B',
          axes: [
            { axis: 0, side: 'output', copies: 1, arrangement: 'contiguous' },
            { axis: 1, side: 'input', copies: 1, arrangement: 'contiguous' },
          ],
        },
      ],
    },
    { name: 'act', op: 'Relu', attributes: {}, params: [] },
  ],
  edges: [{ from: 'input', output: 0, to: 'fc', input: 0 }],
  inputs: ['input'],
  outputs: [{ node: 'act', output: 0 }],
  attributes: { opset: 17 },
};

describe('graph queries', () => {
  test('work on a graph of any format, and unknown ops make no prunable groups', () => {
    const graph: ModelGraph = { ...onnx, edges: [...onnx.edges, { from: 'fc', output: 0, to: 'act', input: 0 }] };
    expect(producers(graph, 'act').map((edge) => edge.from)).toEqual(['fc']);
    expect(consumers(graph, 'input').map((edge) => edge.to)).toEqual(['fc']);
    expect(topologicalOrder(graph)).toEqual(['input', 'fc', 'act']);
    expect(graphNode(graph, 'fc').params[0]!.slot).toBe('B');
    expect(channelGroups(graph, { format: 'checkpoint', topology: null, params: new Map() })).toEqual([]);
    expect(() => producers(graph, 'missing')).toThrow(/no node named "missing"/);
  });

  test('topological order: a permutation with every edge forward, ties in source order; a cycle is refused', () => {
    const graphs = fc.integer({ min: 1, max: 30 }).chain((count) =>
      fc.record({
        count: fc.constant(count),
        edges: fc.array(fc.tuple(fc.nat(count - 1), fc.nat(count - 1)), { maxLength: 60 }),
        order: fc.shuffledSubarray(
          Array.from({ length: count }, (_, index) => index),
          { minLength: count, maxLength: count },
        ),
      }),
    );
    fc.assert(
      fc.property(graphs, ({ count, edges, order }) => {
        const names = order.map((index) => `n${index}`);
        const graph: ModelGraph = {
          format: 'onnx',
          nodes: names.map((name) => ({ name, op: 'Op', attributes: {}, params: [] })),
          edges: edges.map(([from, to], input) => ({ from: `n${from}`, output: 0, to: `n${to}`, input })),
          inputs: [],
          outputs: [],
          attributes: {},
        };
        // An independent oracle for cycles: repeatedly remove nodes without incoming edges.
        let remaining = new Set(Array.from({ length: count }, (_, index) => index));
        for (let changed = true; changed; ) {
          changed = false;
          for (const node of remaining) {
            if (!edges.some(([from, to]) => to === node && remaining.has(from))) {
              remaining.delete(node);
              changed = true;
            }
          }
          remaining = new Set(remaining);
        }
        if (remaining.size > 0) {
          expect(() => topologicalOrder(graph)).toThrow(WhittleError);
          expect(() => topologicalOrder(graph)).toThrow(/cycle through/);
          return;
        }
        const sorted = topologicalOrder(graph);
        expect([...sorted].sort()).toEqual([...names].sort());
        const position = new Map(sorted.map((name, index) => [name, index]));
        for (const edge of graph.edges) expect(position.get(edge.from)!).toBeLessThan(position.get(edge.to)!);
        if (edges.length === 0) expect(sorted).toEqual(names);
      }),
      { numRuns: 300 },
    );
  });

  test('a long chain sorts without deep recursion', () => {
    const count = 50_000;
    const graph: ModelGraph = {
      format: 'onnx',
      nodes: Array.from({ length: count }, (_, index) => ({
        name: `n${count - 1 - index}`,
        op: 'Op',
        attributes: {},
        params: [],
      })),
      edges: Array.from({ length: count - 1 }, (_, index) => ({
        from: `n${index}`,
        output: 0,
        to: `n${index + 1}`,
        input: 0,
      })),
      inputs: [],
      outputs: [],
      attributes: {},
    };
    const sorted = topologicalOrder(graph);
    expect(sorted[0]).toBe('n0');
    expect(sorted[count - 1]).toBe(`n${count - 1}`);
  });
});
