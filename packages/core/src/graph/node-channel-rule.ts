import { decode } from '../encoding/decode.ts';
import type { Model } from '../model/types.ts';
import type { ChannelRule } from './channel-rule.ts';
import { graphDefChannelRule, graphDefParamInputs } from './graph-def-ops.ts';
import { isRecord } from './graph-error.ts';
import { graphNode, producers } from './graph-queries.ts';
import { kerasChannelRule } from './keras-layers.ts';
import type { GraphEdge, GraphNode, ModelGraph } from './types.ts';

/**
 * How `node` moves channels, from its format's op table.
 *
 * @example
 * ```ts
 * nodeChannelRule(graph, graphNode(graph, 'dense'), model).kind; // 'source'
 * ```
 */
export function nodeChannelRule(graph: ModelGraph, node: GraphNode, model: Model): ChannelRule {
  if (graph.format === 'keras') return kerasChannelRule(node.op, node.attributes);
  if (graph.format !== 'graph-def') return { kind: 'opaque', reason: `${graph.format} ops are not understood` };
  const incoming = producers(graph, node.name).filter((edge) => edge.control !== true);
  const edgeAt = (input: number): GraphEdge | undefined => incoming.find((edge) => edge.input === input);
  return graphDefChannelRule(node.op, node.attributes, {
    dataInputs: incoming.length,
    paramShape: (input) => {
      const spec = graphDefParamInputs(node.op, node.attributes).find((entry) => entry.input === input);
      const binding = spec === undefined ? undefined : node.params.find((entry) => entry.slot === spec.slot);
      return binding === undefined ? undefined : model.params.get(binding.param)?.shape;
    },
    constantParam: (input) => {
      const edge = edgeAt(input);
      if (edge === undefined || graphNode(graph, edge.from).op !== 'Const') return undefined;
      return model.params.has(edge.from) ? edge.from : undefined;
    },
    constantValues: (input) => {
      const edge = edgeAt(input);
      if (edge === undefined) return undefined;
      const source = graphNode(graph, edge.from);
      if (source.op !== 'Const') return undefined;
      const param = model.params.get(source.name);
      if (param !== undefined) {
        if (param.shape.length > 1 || (param.shape[0] ?? 1) > 16) return undefined;
        const tensor = decode(param.value);
        return tensor.dtype === 'int32' || tensor.dtype === 'float32'
          ? Array.from(tensor.data as Int32Array)
          : undefined;
      }
      const value = source.attributes.value;
      const tensor = isRecord(value) && isRecord(value.tensor) ? value.tensor : undefined;
      const list = tensor?.intVal ?? tensor?.int64Val;
      if (!Array.isArray(list) || list.length > 16) return undefined;
      const numbers = list.map((item: unknown) => Number(item));
      return numbers.every((item) => Number.isSafeInteger(item)) ? numbers : undefined;
    },
  });
}
