import { graphError, quote } from './graph-error.ts';
import type { GraphEdge, GraphNode, ModelGraph } from './types.ts';

interface GraphIndex {
  readonly nodes: ReadonlyMap<string, GraphNode>;
  readonly incoming: ReadonlyMap<string, readonly GraphEdge[]>;
  readonly outgoing: ReadonlyMap<string, readonly GraphEdge[]>;
  order?: readonly string[];
}

// Graphs are immutable plain data: an index built once per graph object serves every query.
const indexes = new WeakMap<ModelGraph, GraphIndex>();

function indexOf(graph: ModelGraph): GraphIndex {
  let index = indexes.get(graph);
  if (index === undefined) {
    const nodes = new Map(graph.nodes.map((node) => [node.name, node]));
    const incoming = new Map<string, GraphEdge[]>(graph.nodes.map((node) => [node.name, []]));
    const outgoing = new Map<string, GraphEdge[]>(graph.nodes.map((node) => [node.name, []]));
    for (const edge of graph.edges) {
      incoming.get(edge.to)?.push(edge);
      outgoing.get(edge.from)?.push(edge);
    }
    for (const list of incoming.values()) list.sort((a, b) => a.input - b.input);
    index = { nodes, incoming, outgoing };
    indexes.set(graph, index);
  }
  return index;
}

/**
 * The node named `name`. Throws an `invalid-model` WhittleError when the graph has none.
 *
 * @example
 * ```ts
 * graphNode(graph, 'dense').op; // 'Dense'
 * ```
 */
export function graphNode(graph: ModelGraph, name: string): GraphNode {
  const node = indexOf(graph).nodes.get(name);
  if (node === undefined) graphError(`the graph has no node named ${quote(String(name))}`, 'node');
  return node;
}

/**
 * The edges into `node`, in input order: who produces each of its inputs.
 *
 * @example
 * ```ts
 * producers(graph, 'add').map((edge) => edge.from); // ['conv_1', 'conv_2']
 * ```
 */
export function producers(graph: ModelGraph, node: string): readonly GraphEdge[] {
  graphNode(graph, node);
  return indexOf(graph).incoming.get(node) ?? [];
}

/**
 * The edges out of `node`: who consumes its outputs.
 *
 * @example
 * ```ts
 * consumers(graph, 'conv_1').map((edge) => edge.to); // ['conv_2', 'add']
 * ```
 */
export function consumers(graph: ModelGraph, node: string): readonly GraphEdge[] {
  graphNode(graph, node);
  return indexOf(graph).outgoing.get(node) ?? [];
}

/**
 * Every node name, producers before consumers (ties kept in the graph's own order). Throws an
 * `invalid-model` WhittleError naming a node on the cycle when the graph has one.
 *
 * @example
 * ```ts
 * topologicalOrder(graph); // ['input', 'dense', 'dense_1']
 * ```
 */
export function topologicalOrder(graph: ModelGraph): readonly string[] {
  const index = indexOf(graph);
  if (index.order !== undefined) return index.order;
  const remaining = new Map<string, number>();
  for (const node of graph.nodes) remaining.set(node.name, index.incoming.get(node.name)?.length ?? 0);
  const position = new Map(graph.nodes.map((node, at) => [node.name, at]));
  // A binary heap on source position keeps ties in the source order without quadratic scans.
  const heap: number[] = [];
  const push = (at: number): void => {
    heap.push(at);
    let child = heap.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (heap[parent]! <= heap[child]!) break;
      [heap[parent], heap[child]] = [heap[child]!, heap[parent]!];
      child = parent;
    }
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let parent = 0;
      for (;;) {
        const left = parent * 2 + 1;
        const right = left + 1;
        let smallest = parent;
        if (left < heap.length && heap[left]! < heap[smallest]!) smallest = left;
        if (right < heap.length && heap[right]! < heap[smallest]!) smallest = right;
        if (smallest === parent) break;
        [heap[parent], heap[smallest]] = [heap[smallest]!, heap[parent]!];
        parent = smallest;
      }
    }
    return top;
  };
  graph.nodes.forEach((node, at) => {
    if (remaining.get(node.name) === 0) push(at);
  });
  const order: string[] = [];
  while (heap.length > 0) {
    const name = graph.nodes[pop()]!.name;
    order.push(name);
    for (const edge of index.outgoing.get(name) ?? []) {
      const left = remaining.get(edge.to)! - 1;
      remaining.set(edge.to, left);
      if (left === 0) push(position.get(edge.to)!);
    }
  }
  if (order.length < graph.nodes.length) {
    const stuck = graph.nodes.find((node) => remaining.get(node.name)! > 0)!;
    graphError(`the graph has a cycle through ${quote(stuck.name)}`, 'edges');
  }
  index.order = order;
  return order;
}
