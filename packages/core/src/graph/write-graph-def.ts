/**
 * Writing a ModelGraph back to a GraphDef.
 */
import { graphError, isRecord } from './graph-error.ts';
import { producers } from './graph-queries.ts';
import type { GraphEdge, GraphNode, ModelGraph } from './types.ts';

/**
 * The GraphDef of a graph read by `readGraphDef` (and possibly rewritten): nodes in the graph's
 * order with their attributes and other fields verbatim, inputs as `name`, `name:1` or `^name`
 * (the text read is kept where the edge is unchanged). A `Const` that holds a param gets that
 * param's shape in its `value` attribute, so a sliced param and its node agree.
 *
 * @example
 * ```ts
 * writeGraphDef(readGraphDef(modelTopology, model.params), model.params); // deep-equal to modelTopology
 * ```
 */
export function writeGraphDef(
  graph: ModelGraph,
  params: ReadonlyMap<string, { readonly shape: readonly number[] }>,
): Record<string, unknown> {
  if (graph.format !== 'graph-def') graphError(`a ${graph.format} graph has no GraphDef form`, 'format');
  const node = graph.nodes.map((entry) => writeNode(graph, entry, params));
  const { noNodeField, ...rest } = graph.attributes;
  return noNodeField === true && node.length === 0 ? { ...rest } : { node, ...rest };
}

function writeNode(
  graph: ModelGraph,
  node: GraphNode,
  params: ReadonlyMap<string, { readonly shape: readonly number[] }>,
): Record<string, unknown> {
  const incoming = producers(graph, node.name);
  const data = incoming.filter((edge) => edge.control !== true).sort((a, b) => a.input - b.input);
  const control = incoming.filter((edge) => edge.control === true).sort((a, b) => b.input - a.input);
  const written = [...data, ...control].map(reference);
  const { noAttr, input: readInputs, ...extra } = node.metadata ?? {};
  // The text read ('x:0') is kept wherever it still names the same tensor.
  const inputs =
    Array.isArray(readInputs) && readInputs.length === written.length
      ? written.map((text, index) => (sameReference(readInputs[index], text) ? (readInputs[index] as string) : text))
      : written;
  let attributes = node.attributes;
  const binding = node.op === 'Const' ? node.params.find((entry) => entry.slot === 'value') : undefined;
  const shape = binding === undefined ? undefined : params.get(binding.param)?.shape;
  if (shape !== undefined) attributes = withTensorShape(attributes, shape);
  const result: Record<string, unknown> = { name: node.name, op: node.op };
  if (inputs.length > 0) result.input = inputs;
  if (!(noAttr === true && Object.keys(attributes).length === 0)) result.attr = attributes;
  return { ...result, ...extra };
}

function reference(edge: GraphEdge): string {
  if (edge.control === true) return `^${edge.from}`;
  return edge.output === 0 ? edge.from : `${edge.from}:${edge.output}`;
}

function sameReference(read: unknown, written: string): boolean {
  if (typeof read !== 'string') return false;
  return read === written || read === `${written}:0`;
}

function withTensorShape(
  attributes: Readonly<Record<string, unknown>>,
  shape: readonly number[],
): Readonly<Record<string, unknown>> {
  const value = attributes.value;
  if (!isRecord(value) || !isRecord(value.tensor)) return attributes;
  const current = value.tensor.tensorShape;
  const dims = isRecord(current) && Array.isArray(current.dim) ? current.dim : undefined;
  if (
    dims !== undefined &&
    dims.length === shape.length &&
    dims.every((dim, axis) => isRecord(dim) && Number(dim.size) === shape[axis])
  ) {
    return attributes;
  }
  const tensorShape = { ...(isRecord(current) ? current : {}), dim: shape.map((size) => ({ size: String(size) })) };
  return { ...attributes, value: { ...value, tensor: { ...value.tensor, tensorShape } } };
}
