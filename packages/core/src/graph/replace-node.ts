import type { Param } from '../model/types.ts';
import { describeValue } from '../tensor/shape.ts';
import { quote } from './graph-error.ts';
import { consumers, graphNode, producers } from './graph-queries.ts';
import { materialize, type NewNode } from './new-node.ts';
import { rewriteFail, type RewriteState } from './rewrite-state.ts';
import type { GraphEdge } from './types.ts';

/**
 * The state with node `name` replaced by `chain`: the first chain node reads its data inputs,
 * the last feeds its consumers and outputs; params and constants only it used go.
 *
 * @example
 * ```ts
 * const next = replaceNode(state, 'dense', [down, up]);
 * ```
 */
export function replaceNode(state: RewriteState, name: string, chain: readonly NewNode[]): RewriteState {
  const graph = state.graph;
  if (typeof name !== 'string' || !graph.nodes.some((node) => node.name === name))
    rewriteFail(`the graph has no node named ${describeValue(name)}`, 'name');
  const replaced = graphNode(graph, name);
  if (graph.inputs.includes(name) || replaced.op === 'Const')
    rewriteFail(`node ${quote(name)} is a model input or a constant`, 'name');
  if (!Array.isArray(chain) || chain.length === 0)
    rewriteFail(`expected a non-empty array of nodes, got ${describeValue(chain)}`, 'chain');
  // Constants feeding only the replaced node go with it.
  const incoming = producers(graph, name);
  const constants = new Set(
    incoming
      .filter(
        (edge) =>
          graphNode(graph, edge.from).op === 'Const' && consumers(graph, edge.from).every((out) => out.to === name),
      )
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
      if (index === 0 && firstData.includes(edge.input))
        rewriteFail(`${edge.to}'s input ${edge.input} is both a data input and its param`, 'chain[0]');
      edges.push(edge);
    }
    if (index > 0)
      edges.push({
        from: built[index - 1]!.nodes[built[index - 1]!.nodes.length - 1]!.name,
        output: 0,
        to: part.nodes[part.nodes.length - 1]!.name,
        input: 0,
      });
  });
  const nodes = graph.nodes.flatMap((node) =>
    node.name === name ? built.flatMap((part) => part.nodes) : gone.has(node.name) ? [] : [node],
  );
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

/**
 * The state with `node` inserted after node `after`: it reads `after`'s first output and feeds
 * everything that did.
 *
 * @example
 * ```ts
 * const next = insertNode(state, 'dense', { name: 'drop', op: 'Dropout', attributes: { rate: 0.1 } });
 * ```
 */
export function insertNode(state: RewriteState, after: string, node: NewNode): RewriteState {
  const graph = state.graph;
  if (typeof after !== 'string' || !graph.nodes.some((entry) => entry.name === after))
    rewriteFail(`the graph has no node named ${describeValue(after)}`, 'after');
  if (graphNode(graph, after).op === 'Const') rewriteFail(`node ${quote(after)} is a constant`, 'after');
  const taken = new Set(graph.nodes.map((entry) => entry.name));
  const part = materialize(graph, node, 'node', taken);
  const inserted = part.nodes[part.nodes.length - 1]!.name;
  const edges = graph.edges.map((edge) =>
    edge.from === after && edge.output === 0 && edge.control !== true ? { ...edge, from: inserted } : edge,
  );
  edges.push(...part.edges, { from: after, output: 0, to: inserted, input: 0 });
  const nodes = graph.nodes.flatMap((entry) => (entry.name === after ? [entry, ...part.nodes] : [entry]));
  const outputs = graph.outputs.map((output) =>
    output.node === after && output.output === 0 ? { ...output, node: inserted } : output,
  );
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
