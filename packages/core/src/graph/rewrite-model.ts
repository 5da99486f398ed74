/**
 * Rewriting a model's graph: slicing a channel group, replacing a node by a chain, inserting a
 * node. Each step returns a new rewrite; `build` returns a new Model checked by `createModel`.
 */
import { decode } from '../encoding/decode.ts';
import { denseEncoding } from '../encoding/dense.ts';
import type { Encoding } from '../encoding/types.ts';
import { validateEncoding } from '../encoding/validate.ts';
import { WhittleError } from '../errors.ts';
import { createModel } from '../model/create-model.ts';
import type { Model, Param, ParamRole } from '../model/types.ts';
import { validateHostTensor, type HostTensor } from '../tensor/host-tensor.ts';
import { describe } from '../tensor/shape.ts';
import { channelGroups } from './channel-groups.ts';
import { graphDefParamInputs } from './graph-def-ops.ts';
import { isRecord, quote } from './graph-error.ts';
import { consumers, graphNode, producers } from './graph-queries.ts';
import { keepAlongAxis } from './keep-along-axis.ts';
import { kerasWeights } from './keras-layers.ts';
import { readModelGraph, topologyWithGraph } from './read-model-graph.ts';
import type { ChannelGroup, GraphEdge, GraphNode, ModelGraph, ParamBinding } from './types.ts';

/** A node to add: its name, op (layer class or GraphDef op), attributes and params by slot. */
export interface NewNode {
  readonly name: string;
  readonly op: string;
  /** The layer's config or the op's attributes. */
  readonly attributes?: Readonly<Record<string, unknown>>;
  /**
   * Params by slot (a Keras layer's `kernel`, `bias`; a GraphDef op's `b`, `filter`, `bias`),
   * as tensors or encodings. Each is named `<node>/<slot>`; every slot the op declares is needed.
   */
  readonly params?: Readonly<Record<string, HostTensor | Encoding>>;
}

/** A model being rewritten. Every step returns a new rewrite; none changes the model. */
export interface ModelRewrite {
  /** The graph as rewritten so far. */
  readonly graph: ModelGraph;
  /** The params as rewritten so far, in order. */
  readonly params: ReadonlyMap<string, Param>;
  /** The channel groups of the graph as rewritten so far. */
  groups(): readonly ChannelGroup[];
  /** Keeps only channels `keep` of `group` in every param axis the group touches. */
  sliceChannels(group: ChannelGroup, keep: readonly number[]): ModelRewrite;
  /** Replaces node `name` by `chain`, run in order: the first reads its inputs, the last feeds its consumers. */
  replaceNode(name: string, chain: readonly NewNode[]): ModelRewrite;
  /** Inserts `node` after node `after`: it reads `after`'s first output and feeds all its consumers. */
  insertNode(after: string, node: NewNode): ModelRewrite;
  /** The rewritten Model (its topology written back), checked by `createModel` and read again. */
  build(): Model;
}

interface State {
  readonly base: Model;
  readonly graph: ModelGraph;
  readonly params: readonly Param[];
}

/**
 * Starts rewriting `model` (a `tfjs-layers` or `tfjs-graph` model). Sliced params become dense
 * (float32 for float params); params left alone are shared with `model`. The built model loads
 * in stock `tf.loadLayersModel` / `tf.loadGraphModel` when the model did. Each step throws an
 * `invalid-argument` WhittleError naming what is wrong (an unprunable group and its reasons, an
 * unknown node, a missing or misshapen param) and leaves the rewrite it was called on intact.
 *
 * @example
 * ```ts
 * const rewrite = rewriteModel(model);
 * const [group] = rewrite.groups().filter((candidate) => candidate.prunable);
 * const smaller = rewrite.sliceChannels(group, [0, 2, 3]).build();
 * ```
 */
export function rewriteModel(model: Model): ModelRewrite {
  return rewriteOf({ base: model, graph: readModelGraph(model), params: [...model.params.values()] });
}

function rewriteOf(state: State): ModelRewrite {
  const params = new Map(state.params.map((param) => [param.name, param]));
  return {
    graph: state.graph,
    params,
    groups: () => channelGroups(state.graph, { format: state.base.format, topology: null, params }),
    sliceChannels: (group, keep) => rewriteOf(sliceChannels(state, params, group, keep)),
    replaceNode: (name, chain) => rewriteOf(replaceNode(state, name, chain)),
    insertNode: (after, node) => rewriteOf(insertNode(state, after, node)),
    build: () => {
      const topology = topologyWithGraph(state.base, state.graph, params);
      const built = createModel({ format: state.base.format, topology, params: state.params });
      readModelGraph(built);
      return built;
    },
  };
}

function fail(message: string, field: string): never {
  throw new WhittleError('invalid-argument', message, { field });
}

function sliceChannels(state: State, params: ReadonlyMap<string, Param>, group: ChannelGroup, keep: readonly number[]): State {
  if (!isRecord(group) || !Array.isArray(group.entries) || typeof group.channels !== 'number') {
    fail(`expected a channel group, got ${describe(group)}`, 'group');
  }
  if (!group.prunable) fail(`group ${group.id} is not prunable: ${group.reasons[0] ?? 'no reason given'}`, 'group');
  if (!Array.isArray(keep)) fail(`keep must be an array of channel indices, got ${describe(keep)}`, 'keep');
  const kept = new Set<number>();
  keep.forEach((channel, index) => {
    if (!Number.isSafeInteger(channel) || channel < 0 || channel >= group.channels) {
      fail(`channel ${describe(channel)} is not one of the group's ${group.channels}`, `keep[${index}]`);
    }
    if (kept.has(channel)) fail(`channel ${channel} is listed twice`, `keep[${index}]`);
    kept.add(channel);
  });
  if (kept.size === 0) fail('keep at least one channel', 'keep');
  const removed = new Map<string, Map<number, Set<number>>>();
  for (const entry of group.entries) {
    const param = params.get(entry.param);
    const field = `group.entries[${JSON.stringify(entry.param)}]`;
    if (param === undefined) fail(`the model has no param ${quote(entry.param)}: the group is from another model`, field);
    const size = param.shape[entry.axis];
    if (size === undefined || entry.indices.length !== group.channels) fail(`the group does not fit ${quote(entry.param)}`, field);
    let axes = removed.get(entry.param);
    if (axes === undefined) removed.set(entry.param, (axes = new Map()));
    let set = axes.get(entry.axis);
    if (set === undefined) axes.set(entry.axis, (set = new Set()));
    for (let channel = 0; channel < group.channels; channel++) {
      if (kept.has(channel)) continue;
      for (const index of entry.indices[channel]!) {
        if (!Number.isSafeInteger(index) || index < 0 || index >= size) fail(`index ${index} is outside ${quote(entry.param)}`, field);
        set.add(index);
      }
    }
  }
  const sliced = new Map<string, Param>();
  for (const [name, axes] of removed) {
    const param = params.get(name)!;
    let tensor = decode(param.value);
    for (const [axis, indices] of axes) {
      const keepIndices: number[] = [];
      for (let index = 0; index < tensor.shape[axis]!; index++) if (!indices.has(index)) keepIndices.push(index);
      tensor = keepAlongAxis(tensor, axis, keepIndices);
    }
    sliced.set(name, { ...param, shape: [...tensor.shape], value: denseEncoding(tensor) });
  }
  for (const [index, entry] of (Array.isArray(group.shapes) ? group.shapes : []).entries()) {
    const field = `group.shapes[${index}]`;
    const param = sliced.get(entry.param) ?? params.get(entry.param);
    if (param === undefined) fail(`the model has no param ${quote(entry.param)}: the group is from another model`, field);
    const tensor = decode(param.value);
    const size = tensor.data[entry.position];
    if (tensor.dtype !== 'int32' || tensor.shape.length !== 1 || typeof size !== 'number') fail(`${quote(entry.param)} is not a shape`, field);
    let removedCount = 0;
    for (let channel = 0; channel < group.channels; channel++) if (!kept.has(channel)) removedCount += entry.indices[channel]?.length ?? 0;
    const values = Int32Array.from(tensor.data as Int32Array);
    values[entry.position] = size - removedCount;
    sliced.set(entry.param, { ...param, value: denseEncoding({ dtype: 'int32', shape: [...tensor.shape], data: values }) });
  }
  const nextParams = state.params.map((param) => sliced.get(param.name) ?? param);
  const shapes = new Map(nextParams.map((param) => [param.name, param.shape]));
  const resized = new Map(group.resizes.map((resize) => [resize.node, resize.attribute]));
  const nodes = state.graph.nodes.map((node) => {
    const attribute = resized.get(node.name);
    if (attribute === undefined) return node;
    const count = outputCount(node, shapes);
    return count === undefined ? node : { ...node, attributes: { ...node.attributes, [attribute]: count } };
  });
  return { ...state, graph: { ...state.graph, nodes }, params: nextParams };
}

function outputCount(node: GraphNode, shapes: ReadonlyMap<string, readonly number[]>): number | undefined {
  for (const binding of node.params) {
    for (const axis of binding.axes) {
      const size = shapes.get(binding.param)?.[axis.axis];
      if (axis.side === 'output' && axis.recurrent !== true && size !== undefined) return size / axis.copies;
    }
  }
  return undefined;
}

interface Materialized {
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
  readonly params: Param[];
}

/** The graph nodes (a GraphDef op's constants first), edges from constants, and params of a new node. */
function materialize(graph: ModelGraph, node: NewNode, field: string, taken: Set<string>): Materialized {
  if (!isRecord(node)) fail(`expected a node, got ${describe(node)}`, field);
  const { name, op } = node;
  const attributes = node.attributes ?? {};
  const given = node.params ?? {};
  if (typeof name !== 'string' || name.length === 0) fail(`a node needs a non-empty name, got ${describe(name)}`, `${field}.name`);
  if (typeof op !== 'string' || op.length === 0) fail(`node ${quote(name)} needs an op, got ${describe(op)}`, `${field}.op`);
  if (!isRecord(attributes)) fail(`attributes must be an object, got ${describe(attributes)}`, `${field}.attributes`);
  if (!isRecord(given)) fail(`params must be an object of slots, got ${describe(given)}`, `${field}.params`);
  if (op === 'InputLayer' || op === 'Placeholder') fail(`a rewrite cannot add a model input`, `${field}.op`);
  claim(taken, name, `${field}.name`);
  const specs =
    graph.format === 'keras'
      ? kerasWeights(op, attributes)?.map((weight) => ({ slot: weight.slot, role: weight.role, input: -1, axes: weight.axes }))
      : graphDefParamInputs(op, attributes).map((input) => ({ slot: input.slot, role: input.role, input: input.input, axes: (rank: number, shape: readonly number[]) => input.axes(shape) }));
  if (specs === undefined) {
    if (Object.keys(given).length > 0) fail(`whittle does not know the weights of ${op} layers`, `${field}.params`);
    return { nodes: [{ name, op, attributes: graph.format === 'keras' ? { ...attributes, name } : attributes, params: [] }], edges: [], params: [] };
  }
  for (const slot of Object.keys(given)) {
    if (!specs.some((spec) => spec.slot === slot)) fail(`${op} has no param slot ${quote(slot)}`, `${field}.params`);
  }
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const params: Param[] = [];
  const bindings: ParamBinding[] = [];
  for (const spec of specs) {
    const value = given[spec.slot];
    const at = `${field}.params.${spec.slot}`;
    if (value === undefined) fail(`${op} ${quote(name)} needs its ${spec.slot}`, at);
    const encoding = readValue(value, at);
    const decoded = decode(encoding);
    const axes = spec.axes(decoded.shape.length, decoded.shape);
    if (axes === null) fail(`${op}'s ${spec.slot} cannot have shape [${decoded.shape.join(', ')}]`, at);
    const paramName = `${name}/${spec.slot}`;
    params.push({ name: paramName, role: spec.role as ParamRole, shape: [...decoded.shape], value: encoding, layer: name });
    bindings.push({ param: paramName, slot: spec.slot, axes });
    if (graph.format === 'graph-def') {
      claim(taken, paramName, at);
      const dtype = decoded.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT';
      nodes.push({
        name: paramName,
        op: 'Const',
        attributes: { dtype: { type: dtype }, value: { tensor: { dtype, tensorShape: { dim: decoded.shape.map((size) => ({ size: String(size) })) } } } },
        params: [{ param: paramName, slot: 'value', axes: [] }],
      });
      edges.push({ from: paramName, output: 0, to: name, input: spec.input });
    }
  }
  nodes.push({ name, op, attributes: graph.format === 'keras' ? { ...attributes, name } : attributes, params: bindings });
  return { nodes, edges, params };
}

function readValue(value: unknown, field: string): Encoding {
  if (isRecord(value) && typeof value.kind === 'string') return validateEncoding(value, { field });
  return denseEncoding(validateHostTensor(value, { field }));
}

function claim(taken: Set<string>, name: string, field: string): void {
  if (taken.has(name)) fail(`the graph already has a node named ${quote(name)}`, field);
  taken.add(name);
}

function replaceNode(state: State, name: string, chain: readonly NewNode[]): State {
  const graph = state.graph;
  if (typeof name !== 'string' || !graph.nodes.some((node) => node.name === name)) fail(`the graph has no node named ${describe(name)}`, 'name');
  const replaced = graphNode(graph, name);
  if (graph.inputs.includes(name) || replaced.op === 'Const') fail(`node ${quote(name)} is a model input or a constant`, 'name');
  if (!Array.isArray(chain) || chain.length === 0) fail(`expected a non-empty array of nodes, got ${describe(chain)}`, 'chain');
  // Constants feeding only the replaced node go with it.
  const incoming = producers(graph, name);
  const constants = new Set(
    incoming
      .filter((edge) => graphNode(graph, edge.from).op === 'Const' && consumers(graph, edge.from).every((out) => out.to === name))
      .map((edge) => edge.from),
  );
  const gone = new Set([name, ...constants]);
  const taken = new Set(graph.nodes.filter((node) => !gone.has(node.name)).map((node) => node.name));
  const built = chain.map((node, index) => materialize(graph, node, `chain[${index}]`, taken));
  const first = built[0]!.nodes[built[0]!.nodes.length - 1]!.name;
  const last = built[built.length - 1]!.nodes[built[built.length - 1]!.nodes.length - 1]!.name;
  const edges: GraphEdge[] = [];
  // The replaced node's data inputs feed the chain's first node, renumbered from 0; the
  // constants it read were its own params and stay behind (or go, when nothing else reads them).
  const dataInputs = incoming
    .filter((edge) => edge.control !== true && graphNode(graph, edge.from).op !== 'Const')
    .sort((a, b) => a.input - b.input);
  dataInputs.forEach((edge, input) => edges.push({ ...edge, to: first, input }));
  for (const edge of incoming) if (edge.control === true) edges.push({ ...edge, to: first });
  for (const edge of graph.edges) {
    if (gone.has(edge.to)) continue;
    edges.push(edge.from === name ? { ...edge, from: last } : edge);
  }
  const firstData = edges.filter((edge) => edge.to === first && edge.control !== true).map((edge) => edge.input);
  built.forEach((part, index) => {
    for (const edge of part.edges) {
      if (index === 0 && firstData.includes(edge.input)) fail(`${edge.to}'s input ${edge.input} is both a data input and its param`, 'chain[0]');
      edges.push(edge);
    }
    if (index > 0) edges.push({ from: built[index - 1]!.nodes[built[index - 1]!.nodes.length - 1]!.name, output: 0, to: part.nodes[part.nodes.length - 1]!.name, input: 0 });
  });
  const nodes = graph.nodes.flatMap((node) => (node.name === name ? built.flatMap((part) => part.nodes) : gone.has(node.name) ? [] : [node]));
  const outputs = graph.outputs.map((output) => (output.node === name ? { ...output, node: last } : output));
  const stillBound = new Set(nodes.flatMap((node) => node.params.map((binding) => binding.param)));
  const dropped = new Set(
    [...replaced.params, ...[...constants].flatMap((constant) => graphNode(graph, constant).params)]
      .map((binding) => binding.param)
      .filter((param) => !stillBound.has(param)),
  );
  const added = built.flatMap((part) => part.params);
  return { ...state, graph: { ...graph, nodes, edges, outputs }, params: spliceParams(state.params, dropped, added) };
}

function insertNode(state: State, after: string, node: NewNode): State {
  const graph = state.graph;
  if (typeof after !== 'string' || !graph.nodes.some((entry) => entry.name === after)) fail(`the graph has no node named ${describe(after)}`, 'after');
  if (graphNode(graph, after).op === 'Const') fail(`node ${quote(after)} is a constant`, 'after');
  const taken = new Set(graph.nodes.map((entry) => entry.name));
  const part = materialize(graph, node, 'node', taken);
  const inserted = part.nodes[part.nodes.length - 1]!.name;
  const edges = graph.edges.map((edge) => (edge.from === after && edge.output === 0 && edge.control !== true ? { ...edge, from: inserted } : edge));
  edges.push(...part.edges, { from: after, output: 0, to: inserted, input: 0 });
  const nodes = graph.nodes.flatMap((entry) => (entry.name === after ? [entry, ...part.nodes] : [entry]));
  const outputs = graph.outputs.map((output) => (output.node === after && output.output === 0 ? { ...output, node: inserted } : output));
  return { ...state, graph: { ...graph, nodes, edges, outputs }, params: [...state.params, ...part.params] };
}

/** `params` without `dropped`, with `added` where the first dropped one was (else at the end). */
function spliceParams(params: readonly Param[], dropped: ReadonlySet<string>, added: readonly Param[]): Param[] {
  const result: Param[] = [];
  let placed = false;
  for (const param of params) {
    if (dropped.has(param.name)) {
      if (!placed) result.push(...added);
      placed = true;
    } else result.push(param);
  }
  if (!placed) result.push(...added);
  return result;
}
