/**
 * Activation memory along a graph: each node's output bytes, and the most alive at once when the
 * nodes run one after another.
 */
import type { ModelGraph } from '../graph/types.ts';

/**
 * The most bytes of activations alive at once when `graph`'s nodes run in `order`: a node's
 * output is allocated when it runs and freed after its last consumer has run; a model output
 * stays to the end. While a node runs, its inputs and its output are all alive. `bytes` gives
 * each node's output bytes; null when any node on the way is unknown.
 *
 * @example
 * ```ts
 * // input (4) → dense (8) → dense_1 (2): dense runs with input and its output alive.
 * peakActivationBytes(graph, ['input', 'dense', 'dense_1'], new Map([['input', 4], ['dense', 8], ['dense_1', 2]])); // 12
 * ```
 */
export function peakActivationBytes(graph: ModelGraph, order: readonly string[], bytes: ReadonlyMap<string, number | null>): number | null {
  const position = new Map(order.map((name, at) => [name, at]));
  // The step after which each node's output can be freed.
  const lastUse = new Map<string, number>(order.map((name, at) => [name, at]));
  for (const edge of graph.edges) {
    if (edge.control === true) continue;
    const reader = position.get(edge.to);
    if (reader !== undefined && reader > (lastUse.get(edge.from) ?? -1)) lastUse.set(edge.from, reader);
  }
  for (const output of graph.outputs) lastUse.set(output.node, order.length);
  const freedAfter = new Map<number, string[]>();
  for (const [name, step] of lastUse) freedAfter.set(step, [...(freedAfter.get(step) ?? []), name]);
  let live = 0;
  let peak = 0;
  for (const [step, name] of order.entries()) {
    const size = bytes.get(name);
    if (size === null || size === undefined) return null;
    live += size;
    peak = Math.max(peak, live);
    for (const freed of freedAfter.get(step) ?? []) live -= bytes.get(freed) ?? 0;
  }
  return peak;
}
