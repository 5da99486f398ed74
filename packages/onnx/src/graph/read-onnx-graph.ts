import type { Model } from '@whittle/core';
import type { GraphEdge, GraphNode, GraphOutput, ModelGraph, ParamBinding } from '@whittle/core/graph';
import type { AttributeProto, GraphProto } from '../proto/onnx_pb.ts';
import { AttributeProto_AttributeType as AttributeType } from '../proto/onnx_pb.ts';
import { onnxTopology } from '../model/onnx-topology.ts';

/**
 * The graph of an `onnx` model as core's format-neutral {@link ModelGraph} (format `onnx`): one
 * `Input` node per graph input, one `Initializer` node per initializer that is not a param
 * (int64 shapes, say), and one node per ONNX node, named by its name (or `<op>_<index>` where it
 * has none), its op the ONNX op type (`com.microsoft.MatMulNBits` outside the default domain),
 * its attributes as plain data (tensors and graphs summarised) and its params bound by input
 * slot (`input1` for MatMul's B). Edges run from the producing output to the consuming input.
 * A view for analysis: the topology stays the model's `ModelProto`.
 *
 * @example
 * ```ts
 * const graph = readOnnxGraph(await readOnnxFile('model.onnx'));
 * graph.nodes.filter((node) => node.op === 'MatMul').length;
 * ```
 */
export function readOnnxGraph(model: Model): ModelGraph {
  const graph = onnxTopology(model).proto.graph as GraphProto;
  const nodes: GraphNode[] = [];
  const producers = new Map<string, { node: string; output: number }>();
  const used = new Set<string>();
  const unique = (wanted: string): string => {
    let name = wanted;
    for (let suffix = 1; used.has(name); suffix++) name = `${wanted}_${suffix}`;
    used.add(name);
    return name;
  };
  for (const tensor of graph.initializer) {
    if (model.params.has(tensor.name)) continue;
    const name = unique(tensor.name);
    nodes.push({ name, op: 'Initializer', attributes: { dataType: tensor.dataType, dims: tensor.dims.map(Number) }, params: [] });
    producers.set(tensor.name, { node: name, output: 0 });
  }
  const inputs: string[] = [];
  for (const input of graph.input) {
    if (producers.has(input.name) || model.params.has(input.name)) continue;
    const name = unique(input.name);
    nodes.push({ name, op: 'Input', attributes: {}, params: [] });
    producers.set(input.name, { node: name, output: 0 });
    inputs.push(name);
  }
  const edges: GraphEdge[] = [];
  graph.node.forEach((node, index) => {
    const name = unique(node.name === '' ? `${node.opType}_${index}` : node.name);
    const params: ParamBinding[] = [];
    node.input.forEach((input, slot) => {
      if (model.params.has(input)) {
        params.push({ param: input, slot: `input${slot}`, axes: [] });
        return;
      }
      const producer = producers.get(input);
      if (producer !== undefined) edges.push({ from: producer.node, output: producer.output, to: name, input: slot });
    });
    const attributes = Object.fromEntries(node.attribute.map((attribute) => [attribute.name, attributeValue(attribute)]));
    const op = node.domain === '' || node.domain === 'ai.onnx' ? node.opType : `${node.domain}.${node.opType}`;
    nodes.push({ name, op, attributes, params, ...(node.domain === '' ? {} : { metadata: { domain: node.domain } }) });
    node.output.forEach((output, slot) => {
      if (output !== '') producers.set(output, { node: name, output: slot });
    });
  });
  const outputs: GraphOutput[] = [];
  for (const output of graph.output) {
    const producer = producers.get(output.name);
    if (producer !== undefined) outputs.push({ node: producer.node, output: producer.output });
  }
  return { format: 'onnx', nodes, edges, inputs, outputs, attributes: { name: graph.name } };
}

function attributeValue(attribute: AttributeProto): unknown {
  switch (attribute.type) {
    case AttributeType.FLOAT:
      return attribute.f;
    case AttributeType.INT:
      return Number(attribute.i);
    case AttributeType.STRING:
      return new TextDecoder().decode(attribute.s);
    case AttributeType.FLOATS:
      return [...attribute.floats];
    case AttributeType.INTS:
      return attribute.ints.map(Number);
    case AttributeType.STRINGS:
      return attribute.strings.map((bytes) => new TextDecoder().decode(bytes));
    case AttributeType.TENSOR:
      return { dataType: attribute.t?.dataType, dims: attribute.t?.dims.map(Number) };
    case AttributeType.GRAPH:
      return { graph: attribute.g?.name ?? '' };
    default:
      return { type: attribute.type };
  }
}
