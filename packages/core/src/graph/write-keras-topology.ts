/**
 * Writing a ModelGraph back to the Keras / tfjs-layers topology JSON it was read from.
 */
import { graphError, isRecord, quote } from './graph-error.ts';
import { producers, topologicalOrder, graphNode } from './graph-queries.ts';
import type { GraphNode, ModelGraph } from './types.ts';

/**
 * The Keras topology of a graph read by `readKerasGraph` (and possibly rewritten): the same
 * class, wrapper and fields as it was read, layers in topological order. A Sequential graph
 * that is no longer a chain is written as a functional `Model`.
 *
 * @example
 * ```ts
 * writeKerasTopology(readKerasGraph(topology, model.params)); // deep-equal to topology
 * ```
 */
export function writeKerasTopology(graph: ModelGraph): Record<string, unknown> {
  if (graph.format !== 'keras') graphError(`a ${graph.format} graph has no Keras form`, 'format');
  const attributes = graph.attributes;
  const className =
    attributes.className === 'Sequential' && isChain(graph)
      ? 'Sequential'
      : attributes.className === 'Sequential'
      ? 'Model'
      : String(attributes.className);
  const extra = isRecord(attributes.extra) ? attributes.extra : {};
  const configExtra = isRecord(attributes.configExtra) ? attributes.configExtra : {};
  const name = attributes.name;
  let config: unknown;
  if (className === 'Sequential') {
    const layers = sequentialLayers(graph);
    config =
      attributes.legacyList === true ? layers : { ...(name === undefined ? {} : { name }), layers, ...configExtra };
  } else {
    config = {
      ...(name === undefined ? {} : { name }),
      layers: functionalLayers(graph),
      input_layers: graph.inputs.map((input) => [input, 0, 0]),
      output_layers: graph.outputs.map((output) => [output.node, 0, output.output]),
      ...configExtra,
    };
  }
  const model = { class_name: className, config, ...extra };
  return isRecord(attributes.wrapper) ? { ...attributes.wrapper, model_config: model } : model;
}

function isChain(graph: ModelGraph): boolean {
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1 || graph.outputs[0]!.output !== 0) return false;
  const order = topologicalOrder(graph);
  if (order[0] !== graph.inputs[0]) return false;
  return (
    order.every((name, index) => {
      const incoming = producers(graph, name);
      if (index === 0) return incoming.length === 0;
      return (
        incoming.length === 1 &&
        incoming[0]!.from === order[index - 1] &&
        incoming[0]!.output === 0 &&
        incoming[0]!.attributes === undefined
      );
    }) && order[order.length - 1] === graph.outputs[0]!.node
  );
}

function sequentialLayers(graph: ModelGraph): Record<string, unknown>[] {
  const order = topologicalOrder(graph);
  const input = graphNode(graph, order[0]!);
  const implicit = input.metadata?.implicit === true;
  const layers = (implicit ? order.slice(1) : order).map((name) => {
    const node = graphNode(graph, name);
    return { class_name: node.op, config: node.attributes, ...extraOf(node) };
  });
  const first = layers[0];
  if (
    implicit &&
    first !== undefined &&
    input.attributes.batch_input_shape !== undefined &&
    first.config.batch_input_shape === undefined
  ) {
    // The input a Sequential model makes for itself is described by its first layer's config.
    first.config = {
      ...first.config,
      batch_input_shape: input.attributes.batch_input_shape,
      ...(input.attributes.dtype === undefined ? {} : { dtype: input.attributes.dtype }),
    };
  }
  return layers;
}

function functionalLayers(graph: ModelGraph): Record<string, unknown>[] {
  return topologicalOrder(graph).map((name) => {
    const node = graphNode(graph, name);
    const incoming = producers(graph, name).filter((edge) => edge.control !== true);
    incoming.forEach((edge, index) => {
      if (edge.input !== index) graphError(`layer ${quote(name)} has no input ${index}`, `edges`);
    });
    const config =
      node.op === 'InputLayer' && node.metadata?.implicit === true
        ? { ...node.attributes, sparse: false, name }
        : node.attributes;
    return {
      name,
      class_name: node.op,
      config,
      inbound_nodes:
        incoming.length === 0 ? [] : [incoming.map((edge) => [edge.from, 0, edge.output, edge.attributes ?? {}])],
      ...extraOf(node),
    };
  });
}

function extraOf(node: GraphNode): Record<string, unknown> {
  const extra = node.metadata?.extra;
  return isRecord(extra) ? extra : {};
}
