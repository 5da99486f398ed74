import { decode } from '../encoding/decode.ts';
import { denseEncoding } from '../encoding/dense.ts';
import type { Encoding } from '../encoding/types.ts';
import { validateEncoding } from '../encoding/validate.ts';
import type { Param, ParamRole } from '../model/types.ts';
import { validateHostTensor, type HostTensor } from '../tensor/host-tensor.ts';
import { describeValue } from '../tensor/shape.ts';
import { graphDefParamInputs } from './graph-def-ops.ts';
import { isRecord, quote } from './graph-error.ts';
import { kerasWeights } from './keras-layers.ts';
import { rewriteFail } from './rewrite-state.ts';
import type { GraphEdge, GraphNode, ModelGraph, ParamBinding } from './types.ts';

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

/** A new node made concrete: its graph nodes, the edges from its constants, its params. */
export interface Materialized {
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
  readonly params: Param[];
}

/**
 * The graph nodes (a GraphDef op's constants first), edges from constants, and params of a new
 * node, each param named `<node>/<slot>` and checked against the op's declared weights. Names
 * are claimed in `taken`.
 *
 * @example
 * ```ts
 * materialize(graph, { name: 'down', op: 'Dense', attributes: { units: 4, use_bias: false }, params: { kernel } }, 'chain[0]', taken);
 * ```
 */
export function materialize(graph: ModelGraph, node: NewNode, field: string, taken: Set<string>): Materialized {
  if (!isRecord(node)) rewriteFail(`expected a node, got ${describeValue(node)}`, field);
  const { name, op } = node;
  const attributes = node.attributes ?? {};
  const given = node.params ?? {};
  if (typeof name !== 'string' || name.length === 0)
    rewriteFail(`a node needs a non-empty name, got ${describeValue(name)}`, `${field}.name`);
  if (typeof op !== 'string' || op.length === 0)
    rewriteFail(`node ${quote(name)} needs an op, got ${describeValue(op)}`, `${field}.op`);
  if (!isRecord(attributes))
    rewriteFail(`attributes must be an object, got ${describeValue(attributes)}`, `${field}.attributes`);
  if (!isRecord(given)) rewriteFail(`params must be an object of slots, got ${describeValue(given)}`, `${field}.params`);
  if (op === 'InputLayer' || op === 'Placeholder') rewriteFail(`a rewrite cannot add a model input`, `${field}.op`);
  claim(taken, name, `${field}.name`);
  if (graph.format !== 'keras' && graph.format !== 'graph-def') {
    rewriteFail(`whittle cannot add nodes to a ${graph.format} graph`, field);
  }
  const specs =
    graph.format === 'keras'
      ? kerasWeights(op, attributes)?.map((weight) => ({
          slot: weight.slot,
          role: weight.role,
          input: -1,
          axes: (shape: readonly number[]) => weight.axes(shape.length),
        }))
      : graphDefParamInputs(op, attributes);
  if (specs === undefined) {
    if (Object.keys(given).length > 0)
      rewriteFail(`whittle does not know the weights of ${op} layers`, `${field}.params`);
    return {
      nodes: [{ name, op, attributes: graph.format === 'keras' ? { ...attributes, name } : attributes, params: [] }],
      edges: [],
      params: [],
    };
  }
  for (const slot of Object.keys(given)) {
    if (!specs.some((spec) => spec.slot === slot))
      rewriteFail(`${op} has no param slot ${quote(slot)}`, `${field}.params`);
  }
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const params: Param[] = [];
  const bindings: ParamBinding[] = [];
  for (const spec of specs) {
    const value = given[spec.slot];
    const at = `${field}.params.${spec.slot}`;
    if (value === undefined) rewriteFail(`${op} ${quote(name)} needs its ${spec.slot}`, at);
    const encoding = readValue(value, at);
    const decoded = decode(encoding);
    const axes = spec.axes(decoded.shape);
    if (axes === null) rewriteFail(`${op}'s ${spec.slot} cannot have shape [${decoded.shape.join(', ')}]`, at);
    const paramName = `${name}/${spec.slot}`;
    params.push({
      name: paramName,
      role: spec.role as ParamRole,
      shape: [...decoded.shape],
      value: encoding,
      layer: name,
    });
    bindings.push({ param: paramName, slot: spec.slot, axes });
    if (graph.format === 'graph-def') {
      claim(taken, paramName, at);
      const dtype = decoded.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT';
      nodes.push({
        name: paramName,
        op: 'Const',
        attributes: {
          dtype: { type: dtype },
          value: { tensor: { dtype, tensorShape: { dim: decoded.shape.map((size) => ({ size: String(size) })) } } },
        },
        params: [{ param: paramName, slot: 'value', axes: [] }],
      });
      edges.push({ from: paramName, output: 0, to: name, input: spec.input });
    }
  }
  nodes.push({
    name,
    op,
    attributes: graph.format === 'keras' ? { ...attributes, name } : attributes,
    params: bindings,
  });
  return { nodes, edges, params };
}

function readValue(value: unknown, field: string): Encoding {
  if (isRecord(value) && typeof value.kind === 'string') return validateEncoding(value, { field });
  return denseEncoding(validateHostTensor(value, { field }));
}

function claim(taken: Set<string>, name: string, field: string): void {
  if (taken.has(name)) rewriteFail(`the graph already has a node named ${quote(name)}`, field);
  taken.add(name);
}
