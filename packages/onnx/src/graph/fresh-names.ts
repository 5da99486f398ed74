import type { GraphProto } from '../proto/onnx_pb.ts';

/**
 * A namer for tensors a rewrite adds to `graph`: each call returns `base`, or `base_1`, `base_2`,
 * … when that is taken by an initializer, a node's input or output, a graph input, or an earlier
 * call, so a new tensor never shadows one the graph has.
 *
 * @example
 * ```ts
 * const fresh = freshNames(graph);
 * fresh('fc1_scale'); // 'fc1_scale', or 'fc1_scale_1' if the graph has one
 * ```
 */
export function freshNames(graph: GraphProto): (base: string) => string {
  const used = new Set([...graph.initializer.map((tensor) => tensor.name), ...graph.node.flatMap((node) => [...node.input, ...node.output]), ...graph.input.map((value) => value.name)]);
  return (base) => {
    let name = base;
    for (let index = 1; used.has(name); index++) name = `${base}_${index}`;
    used.add(name);
    return name;
  };
}
