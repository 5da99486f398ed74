/**
 * Reading a tfjs GraphModel's GraphDef (model.json `modelTopology`) into a ModelGraph.
 */
import type { Param } from '../model/types.ts';
import { describeValue } from '../tensor/shape.ts';
import { graphError, isRecord, quote } from './graph-error.ts';
import { topologicalOrder } from './graph-queries.ts';
import { graphDefParamInputs } from './graph-def-ops.ts';
import { MAX_OUTPUT_INDEX } from './read-keras-graph.ts';
import type { GraphEdge, GraphNode, GraphOutput, ModelGraph, ParamBinding } from './types.ts';

const NODE_FIELDS = new Set(['name', 'op', 'input', 'attr']);
const REFERENCE = /^(\^)?([^:]+)(?::(\d+))?$/;

/**
 * Reads a GraphDef into a {@link ModelGraph}: one node per GraphDef node (a `Const` whose name is
 * a param binds it), one edge per input (`^name` inputs as control edges), the `Placeholder`s as
 * inputs, and as outputs the signature's outputs when given, else every node nothing consumes.
 * Ops that read params (MatMul, Conv2D, BiasAdd, FusedBatchNorm, …) bind them with their
 * channel axes. Refuses duplicate names, inputs naming missing nodes, bad output indices and
 * cycles (control-flow loops included) with an `invalid-model` WhittleError naming the node.
 *
 * @example
 * ```ts
 * const graph = readGraphDef(modelJson.modelTopology, model.params, modelJson.signature);
 * ```
 */
export function readGraphDef(graphDef: unknown, params: ReadonlyMap<string, Param>, signature?: unknown): ModelGraph {
  const field = 'modelTopology';
  if (!isRecord(graphDef)) graphError(`expected a GraphDef object, got ${describeValue(graphDef)}`, field);
  const list = graphDef.node ?? [];
  if (!Array.isArray(list)) graphError(`node must be an array, got ${describeValue(list)}`, `${field}.node`);
  const raw = list.map((value, index) => readNode(value, `${field}.node[${index}]`));
  const names = new Map<string, number>();
  raw.forEach((node, index) => {
    if (names.has(node.name)) graphError(`two nodes are named ${quote(node.name)}`, `${field}.node[${index}].name`);
    names.set(node.name, index);
  });
  const edges: GraphEdge[] = [];
  const byName = new Map(raw.map((node) => [node.name, node]));
  const nodes = raw.map((node, index): GraphNode => {
    const incoming: GraphEdge[] = [];
    let dataInput = 0;
    node.inputs.forEach((reference, at) => {
      const where = `${field}.node[${index}].input[${at}]`;
      const match = REFERENCE.exec(reference);
      if (match === null) graphError(`expected an input such as "name" or "name:1", got ${describeValue(reference)}`, where);
      const [, control, from, outputText] = match;
      if (!names.has(from!))
        graphError(`node ${quote(node.name)} reads from ${quote(from!)}, which is not a node`, where);
      const output = outputText === undefined ? 0 : Number(outputText);
      if (!Number.isSafeInteger(output) || output > MAX_OUTPUT_INDEX)
        graphError(`output index ${outputText} is out of range`, where);
      if (control !== undefined) incoming.push({ from: from!, output, to: node.name, input: -1 - at, control: true });
      else incoming.push({ from: from!, output, to: node.name, input: dataInput++ });
    });
    edges.push(...incoming);
    const metadata: Record<string, unknown> = { ...node.extra };
    if (node.inputs.length > 0) metadata.input = node.inputs;
    const bound = bindParams(node.name, node.op, node.attributes, incoming, byName, params);
    return {
      name: node.name,
      op: node.op,
      attributes: node.attributes,
      params: bound,
      ...(Object.keys(metadata).length === 0 ? {} : { metadata }),
    };
  });
  const inputs = nodes.filter((node) => node.op === 'Placeholder').map((node) => node.name);
  const outputs = readOutputs(signature, names, nodes, edges);
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(graphDef)) {
    if (key !== 'node')
      Object.defineProperty(attributes, key, { value, enumerable: true, writable: true, configurable: true });
  }
  if (!Object.hasOwn(graphDef, 'node')) attributes.noNodeField = true;
  const graph: ModelGraph = { format: 'graph-def', nodes, edges, inputs, outputs, attributes };
  topologicalOrder(graph);
  return graph;
}

interface RawNode {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly string[];
  readonly attributes: Record<string, unknown>;
  readonly extra: Record<string, unknown>;
}

function readNode(value: unknown, field: string): RawNode {
  if (!isRecord(value)) graphError(`expected a node object, got ${describeValue(value)}`, field);
  const { name, op, input, attr } = value;
  if (typeof name !== 'string' || name.length === 0)
    graphError(`a node needs a non-empty name, got ${describeValue(name)}`, `${field}.name`);
  if (typeof op !== 'string' || op.length === 0)
    graphError(`node ${quote(name)} needs an op name, got ${describeValue(op)}`, `${field}.op`);
  const inputs = input ?? [];
  if (!Array.isArray(inputs) || !inputs.every((item) => typeof item === 'string')) {
    graphError(`node ${quote(name)}'s input must be an array of strings, got ${describeValue(input)}`, `${field}.input`);
  }
  const attributes = attr ?? {};
  if (!isRecord(attributes))
    graphError(`node ${quote(name)}'s attr must be an object, got ${describeValue(attr)}`, `${field}.attr`);
  const extra: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!NODE_FIELDS.has(key))
      Object.defineProperty(extra, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  if (attr === undefined) extra.noAttr = true;
  return { name, op, inputs: inputs as string[], attributes, extra };
}

function bindParams(
  name: string,
  op: string,
  attributes: Record<string, unknown>,
  incoming: readonly GraphEdge[],
  nodes: ReadonlyMap<string, RawNode>,
  params: ReadonlyMap<string, Param>,
): ParamBinding[] {
  if (op === 'Const') return params.has(name) ? [{ param: name, slot: 'value', axes: [] }] : [];
  const bound: ParamBinding[] = [];
  for (const input of graphDefParamInputs(op, attributes)) {
    const edge = incoming.find((candidate) => candidate.control !== true && candidate.input === input.input);
    if (edge === undefined || edge.output !== 0 || nodes.get(edge.from)?.op !== 'Const') continue;
    const param = params.get(edge.from);
    if (param === undefined) continue;
    const axes = input.axes(param.shape);
    if (axes === null) {
      graphError(
        `node ${quote(name)} (${op}) reads ${quote(param.name)} of shape [${param.shape.join(', ')}] as its ${
          input.slot
        }, which needs another rank`,
        `params[${JSON.stringify(param.name)}].shape`,
      );
    }
    bound.push({ param: param.name, slot: input.slot, axes });
  }
  return bound;
}

function readOutputs(
  signature: unknown,
  names: ReadonlyMap<string, number>,
  nodes: readonly GraphNode[],
  edges: readonly GraphEdge[],
): GraphOutput[] {
  if (isRecord(signature) && isRecord(signature.outputs)) {
    const outputs: GraphOutput[] = [];
    for (const [key, value] of Object.entries(signature.outputs)) {
      const reference = isRecord(value) ? value.name : undefined;
      const match = typeof reference === 'string' ? REFERENCE.exec(reference) : null;
      if (match === null || match[1] !== undefined || !names.has(match[2]!)) {
        graphError(
          `signature output ${quote(key)} names no node: ${describeValue(reference)}`,
          `signature.outputs[${JSON.stringify(key)}]`,
        );
      }
      const output = match[3] === undefined ? 0 : Number(match[3]);
      if (output > MAX_OUTPUT_INDEX)
        graphError(`output index ${match[3]} is out of range`, `signature.outputs[${JSON.stringify(key)}]`);
      outputs.push({ node: match[2]!, output });
    }
    if (outputs.length > 0) return outputs;
  }
  const consumed = new Set(edges.filter((edge) => edge.control !== true).map((edge) => edge.from));
  return nodes
    .filter(
      (node) => !consumed.has(node.name) && node.op !== 'Const' && node.op !== 'NoOp' && node.op !== 'Placeholder',
    )
    .map((node) => ({ node: node.name, output: 0 }));
}
