/**
 * Which layer each param is counted under, and what the params of a layer hold and cost as stored.
 */
import { byteLength, encodingParamCount } from '../encoding/byte-length.ts';
import { topologicalOrder } from '../graph/graph-queries.ts';
import type { ModelGraph } from '../graph/types.ts';
import { describeEncoding } from '../model/describe-encoding.ts';
import type { Model, Param } from '../model/types.ts';

/** The params of one layer, counted and sized as stored. */
export interface LayerParams {
  readonly params: number;
  readonly bytes: number;
  readonly encodings: readonly string[];
}

/**
 * The params each node of `graph` owns, by node name, and those no node uses. A param bound to
 * several nodes (a shared layer, a GraphDef constant and the op reading it) counts once, under
 * the first node in topological order that computes with it, so the layers' sums are the
 * model's totals.
 *
 * @example
 * ```ts
 * const { owned, unbound } = paramsByNode(model, readModelGraph(model));
 * owned.get('dense'); // [dense/kernel, dense/bias]
 * ```
 */
export function paramsByNode(model: Model, graph: ModelGraph): { owned: Map<string, Param[]>; unbound: Param[] } {
  const owner = new Map<string, string>();
  const nodes = new Map(graph.nodes.map((node) => [node.name, node]));
  // Constants first lose to their readers: two passes, computing nodes then constant holders.
  for (const pass of [false, true]) {
    for (const name of topologicalOrder(graph)) {
      const node = nodes.get(name)!;
      if ((node.op === 'Const') !== pass) continue;
      for (const binding of node.params) if (!owner.has(binding.param) && model.params.has(binding.param)) owner.set(binding.param, name);
    }
  }
  const owned = new Map<string, Param[]>();
  const unbound: Param[] = [];
  for (const param of model.params.values()) {
    const node = owner.get(param.name);
    if (node === undefined) unbound.push(param);
    else owned.set(node, [...(owned.get(node) ?? []), param]);
  }
  return { owned, unbound };
}

/**
 * The element count, stored bytes and distinct encodings of `params`.
 *
 * @example
 * ```ts
 * sizeParams([kernel, bias]); // { params: 100480, bytes: 401920, encodings: ['dense float32'] }
 * ```
 */
export function sizeParams(params: readonly Param[]): LayerParams {
  let count = 0;
  let bytes = 0;
  const encodings = new Set<string>();
  for (const param of params) {
    count += encodingParamCount(param.value);
    bytes += byteLength(param.value);
    encodings.add(describeEncoding(param.value));
  }
  return { params: count, bytes, encodings: [...encodings] };
}

/**
 * A bare checkpoint's params grouped by the layer they name: the `layer` the reader recorded,
 * else the name up to its last `/` or `.` (`encoder.0.weight` → `encoder.0`), in first-seen order.
 *
 * @example
 * ```ts
 * groupCheckpointParams(model); // Map { 'fc1' => [fc1.weight, fc1.bias], 'fc2' => [...] }
 * ```
 */
export function groupCheckpointParams(model: Model): Map<string, Param[]> {
  const groups = new Map<string, Param[]>();
  for (const param of model.params.values()) {
    const cut = Math.max(param.name.lastIndexOf('/'), param.name.lastIndexOf('.'));
    const group = param.layer ?? (cut > 0 ? param.name.slice(0, cut) : param.name);
    const list = groups.get(group);
    if (list === undefined) groups.set(group, [param]);
    else list.push(param);
  }
  return groups;
}
