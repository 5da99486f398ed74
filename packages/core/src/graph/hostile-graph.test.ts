import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { denseEncoding } from '../encoding/dense.ts';
import { WhittleError } from '../errors.ts';
import { createModel } from '../model/create-model.ts';
import type { Model, Param } from '../model/types.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { channelGroups } from './channel-groups.ts';
import { readGraphDef } from './read-graph-def.ts';
import { readKerasGraph } from './read-keras-graph.ts';
import { readModelGraph } from './read-model-graph.ts';
import { GRAPH_CASES } from './graph-defs.test-support.ts';

const dense = (name: string, units: number, inbound: unknown[] = []) => ({
  name,
  class_name: 'Dense',
  config: { name, units, use_bias: false },
  inbound_nodes: inbound,
});
const inputLayer = {
  name: 'in',
  class_name: 'InputLayer',
  config: { name: 'in', batch_input_shape: [null, 2] },
  inbound_nodes: [],
};
const functional = (layers: unknown, extra: Record<string, unknown> = {}) => ({
  class_name: 'Model',
  config: { name: 'model', layers, input_layers: [['in', 0, 0]], output_layers: [['b', 0, 0]], ...extra },
});

function kernels(...names: string[]): Map<string, Param> {
  const model = createModel({
    format: 'checkpoint',
    params: names.map((name) => ({
      name: `${name}/kernel`,
      role: 'dense-kernel' as const,
      value: denseEncoding(hostTensor('float32', [2, 2])),
    })),
  });
  return new Map(model.params);
}

/** Calls `read` and checks it throws one WhittleError whose message is one bounded line matching `pattern`. */
function expectRefusal(read: () => unknown, pattern: RegExp): void {
  let thrown: unknown;
  try {
    read();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(WhittleError);
  const message = (thrown as WhittleError).message;
  expect(message).not.toMatch(/\n/);
  expect(message.length).toBeLessThan(700);
  expect(message).toMatch(pattern);
}

describe('hostile Keras topologies', () => {
  const params = kernels('a', 'b');
  const cases: Array<[string, unknown, RegExp]> = [
    [
      'a cycle',
      functional([inputLayer, dense('a', 2, [[['b', 0, 0, {}]]]), dense('b', 2, [[['a', 0, 0, {}]]])]),
      /cycle through "a"/,
    ],
    [
      'a dangling inbound name',
      functional([inputLayer, dense('a', 2, [[['ghost', 0, 0, {}]]]), dense('b', 2, [[['a', 0, 0, {}]]])]),
      /reads from "ghost", which is not a layer/,
    ],
    [
      'a missing weight',
      functional([inputLayer, dense('a', 2, [[['in', 0, 0, {}]]]), dense('c', 2, [[['a', 0, 0, {}]]])], {
        output_layers: [['c', 0, 0]],
      }),
      /layer "c" declares weight "kernel", which the model lacks/,
    ],
    [
      'a huge tensor index',
      functional([inputLayer, dense('a', 2, [[['in', 0, 1e12, {}]]]), dense('b', 2, [[['a', 0, 0, {}]]])]),
      /tensor index from 0 to 4096, got 1000000000000/,
    ],
    [
      'a negative tensor index',
      functional([inputLayer, dense('a', 2, [[['in', 0, -1, {}]]]), dense('b', 2, [[['a', 0, 0, {}]]])]),
      /got -1/,
    ],
    [
      'a fractional node index',
      functional([inputLayer, dense('a', 2, [[['in', 0.5, 0, {}]]]), dense('b', 2, [[['a', 0, 0, {}]]])]),
      /call 0.5 of "in"; shared layers/,
    ],
    [
      'a shared layer',
      functional([
        inputLayer,
        dense('a', 2, [[['in', 0, 0, {}]], [['in', 0, 0, {}]]]),
        dense('b', 2, [[['a', 0, 0, {}]]]),
      ]),
      /layer "a" is called 2 times; shared layers are not supported/,
    ],
    [
      'a nested model',
      functional([
        inputLayer,
        { name: 'inner', class_name: 'Sequential', config: { name: 'inner', layers: [] }, inbound_nodes: [] },
      ]),
      /layer "inner" is a nested model/,
    ],
    [
      'a Lambda layer',
      functional([inputLayer, { name: 'f', class_name: 'Lambda', config: { name: 'f' }, inbound_nodes: [] }]),
      /layer "f" is a Lambda layer/,
    ],
    ['layers that are not an array', functional({ 0: inputLayer }), /layers must be an array, got object/],
    [
      'inbound nodes that are not an array',
      functional([inputLayer, dense('a', 2, 'in' as never)]),
      /inbound_nodes: expected an array, got "in"/,
    ],
    [
      'Keras 3 inbound nodes',
      functional([inputLayer, dense('a', 2, [{ args: [], kwargs: {} }])]),
      /tfjs-layers \/ Keras 2 form/,
    ],
    [
      'output layers that are not an array',
      functional([inputLayer, dense('b', 2, [[['in', 0, 0, {}]]])], { output_layers: 7 }),
      /output_layers: expected an array/,
    ],
    [
      'an output naming no layer',
      functional([inputLayer, dense('b', 2, [[['in', 0, 0, {}]]])], { output_layers: [['zzz', 0, 0]] }),
      /"zzz" is not a layer/,
    ],
    [
      'two layers of one name',
      functional([inputLayer, dense('b', 2, [[['in', 0, 0, {}]]]), dense('b', 2, [[['in', 0, 0, {}]]])]),
      /two layers are named "b"/,
    ],
    ['a config that is null', { class_name: 'Model', config: null }, /config: expected an object, got null/],
    [
      'a class that is not a model',
      { class_name: 'Dense', config: {} },
      /expected a Sequential or functional model, got class "Dense"/,
    ],
    ['an empty Sequential model', { class_name: 'Sequential', config: { layers: [] } }, /needs at least one layer/],
    [
      'a layer without a name',
      { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: {} }] } },
      /a layer needs a non-empty name/,
    ],
    [
      'a kernel of the wrong rank',
      {
        class_name: 'Sequential',
        config: { layers: [{ class_name: 'Conv2D', config: { name: 'a', use_bias: false } }] },
      },
      /"a"'s kernel has shape \[2, 2\], of the wrong rank for Conv2D/,
    ],
  ];
  for (const [name, topology, pattern] of cases) {
    test(`${name} is refused in one line`, () => expectRefusal(() => readKerasGraph(topology, params), pattern));
  }

  test('a model without a graph is refused', () => {
    const model = createModel({ format: 'checkpoint', params: [] });
    expectRefusal(() => readModelGraph(model), /without a topology has no graph/);
  });
});

describe('hostile GraphDefs', () => {
  const node = (name: string, op: string, input?: unknown) => ({ name, op, ...(input === undefined ? {} : { input }) });
  const cases: Array<[string, unknown, RegExp]> = [
    [
      'a cycle',
      { node: [node('x', 'Placeholder'), node('a', 'Relu', ['b']), node('b', 'Relu', ['a'])] },
      /cycle through "a"/,
    ],
    ['a cycle through control inputs', { node: [node('a', 'NoOp', ['^b']), node('b', 'NoOp', ['^a'])] }, /cycle/],
    ['a dangling input', { node: [node('a', 'Relu', ['ghost:0'])] }, /reads from "ghost", which is not a node/],
    [
      'an output index past the limit',
      { node: [node('x', 'Placeholder'), node('a', 'Relu', ['x:99999999999999999999'])] },
      /output index 99999999999999999999 is out of range/,
    ],
    [
      'an unparseable input',
      { node: [node('x', 'Placeholder'), node('a', 'Relu', ['x:-1'])] },
      /expected an input such as "name" or "name:1"/,
    ],
    ['inputs that are not strings', { node: [node('a', 'Relu', [7])] }, /input must be an array of strings/],
    [
      'attributes that are an array',
      { node: [{ name: 'a', op: 'Relu', attr: [] }] },
      /attr must be an object, got array\(0\)/,
    ],
    ['a node that is not an object', { node: [null] }, /expected a node object, got null/],
    ['a node without an op', { node: [{ name: 'a' }] }, /needs an op name/],
    ['nodes that are not an array', { node: 'x' }, /node must be an array, got "x"/],
    ['two nodes of one name', { node: [node('a', 'NoOp'), node('a', 'NoOp')] }, /two nodes are named "a"/],
    ['a GraphDef that is a string', 'graph', /expected a GraphDef object/],
  ];
  for (const [name, graphDef, pattern] of cases) {
    test(`${name} is refused in one line`, () => expectRefusal(() => readGraphDef(graphDef, new Map()), pattern));
  }

  test('a signature naming no node is refused', () => {
    expectRefusal(
      () => readGraphDef({ node: [node('x', 'Placeholder')] }, new Map(), { outputs: { y: { name: 'nope:0' } } }),
      /signature output "y" names no node/,
    );
  });
});

/** Every path into a JSON value, so a mutation can replace any part of it. */
function paths(
  value: unknown,
  prefix: Array<string | number> = [],
  into: Array<Array<string | number>> = [],
): Array<Array<string | number>> {
  into.push(prefix);
  if (Array.isArray(value)) value.forEach((item, index) => paths(item, [...prefix, index], into));
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value)) paths(item, [...prefix, key], into);
  return into;
}

function replaceAt(value: unknown, path: ReadonlyArray<string | number>, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[head!] = replaceAt(copy[head!], rest, replacement);
  return copy;
}

/** Reading gives a graph or one WhittleError; a graph read also gives channel groups or a WhittleError. */
function readsOrRefuses(model: Model): void {
  try {
    const graph = readModelGraph(model);
    channelGroups(graph, model);
  } catch (error) {
    if (!(error instanceof WhittleError)) throw error;
    expect(error.message).not.toMatch(/\n/);
  }
}

describe('fuzzing the readers', () => {
  const kerasTopology = functional([
    inputLayer,
    dense('a', 2, [[['in', 0, 0, {}]]]),
    {
      name: 'n',
      class_name: 'BatchNormalization',
      config: { name: 'n', axis: -1, center: false, scale: false },
      inbound_nodes: [[['a', 0, 0, {}]]],
    },
    { name: 'f', class_name: 'Flatten', config: { name: 'f' }, inbound_nodes: [[['n', 0, 0, {}]]] },
    {
      name: 'j',
      class_name: 'Concatenate',
      config: { name: 'j', axis: -1 },
      inbound_nodes: [
        [
          ['f', 0, 0, {}],
          ['a', 0, 0, {}],
        ],
      ],
    },
    {
      name: 's',
      class_name: 'Add',
      config: { name: 's' },
      inbound_nodes: [
        [
          ['j', 0, 0, {}],
          ['j', 0, 0, {}],
        ],
      ],
    },
    {
      name: 'b',
      class_name: 'Dense',
      config: { name: 'b', units: 2, use_bias: false },
      inbound_nodes: [[['s', 0, 0, {}]]],
    },
  ]);
  const normParams = createModel({
    format: 'checkpoint',
    params: [
      { name: 'a/kernel', role: 'dense-kernel', value: denseEncoding(hostTensor('float32', [2, 2])) },
      { name: 'n/moving_mean', role: 'norm-mean', value: denseEncoding(hostTensor('float32', [2])) },
      { name: 'n/moving_variance', role: 'norm-variance', value: denseEncoding(hostTensor('float32', [2])) },
      { name: 'b/kernel', role: 'dense-kernel', value: denseEncoding(hostTensor('float32', [4, 2])) },
    ],
  }).params;
  const graphDef = GRAPH_CASES[0]!.modelTopology;
  const graphParams = createModel({
    format: 'checkpoint',
    params: GRAPH_CASES[0]!.weights.map(([name, shape, dtype, values]) => ({
      name,
      role: 'other' as const,
      value: denseEncoding(
        dtype === 'int32' ? hostTensor('int32', shape, Int32Array.from(values!)) : hostTensor('float32', shape),
      ),
    })),
  }).params;

  test('the unmutated fuzz seeds read and group', () => {
    const keras = createModel({ format: 'tfjs-layers', topology: kerasTopology, params: normParams });
    expect(channelGroups(readModelGraph(keras), keras).length).toBeGreaterThan(0);
    const graph = createModel({ format: 'tfjs-graph', topology: graphDef, params: graphParams });
    expect(channelGroups(readModelGraph(graph), graph).length).toBeGreaterThan(0);
  });

  for (const [name, format, topology, params] of [
    ['Keras', 'tfjs-layers', kerasTopology, normParams],
    ['GraphDef', 'tfjs-graph', graphDef, graphParams],
  ] as const) {
    const targets = paths(topology);
    test(`a ${name} topology with any part replaced by any JSON value reads, or is refused in one line`, () => {
      fc.assert(
        fc.property(fc.nat(targets.length - 1), fc.jsonValue({ maxDepth: 3 }), (index, replacement) => {
          const mutated = replaceAt(topology, targets[index]!, replacement);
          readsOrRefuses({ format, topology: mutated, params });
        }),
        { numRuns: 600 },
      );
    });

    test(`a ${name} model.json text with characters cut or changed reads, or is refused in one line`, () => {
      const text = JSON.stringify(topology);
      fc.assert(
        fc.property(fc.nat(text.length - 1), fc.nat(8), fc.string({ maxLength: 3 }), (start, length, insert) => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text.slice(0, start) + insert + text.slice(start + length));
          } catch {
            return;
          }
          readsOrRefuses({ format, topology: parsed, params });
        }),
        { numRuns: 600 },
      );
    });

    test(`any JSON value as a ${name} topology reads, or is refused in one line`, () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 4 }), (topology) => {
          readsOrRefuses({ format, topology, params });
        }),
        { numRuns: 300 },
      );
    });
  }
});
