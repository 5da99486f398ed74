import type { GraphProto, NodeProto, TensorProto, ValueInfoProto } from '../proto/onnx_pb.ts';
import { TensorProto_DataType as DataType } from '../proto/onnx_pb.ts';

const BOOL_OPS: ReadonlySet<string> = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
const INT64_OPS: ReadonlySet<string> = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin']);

/**
 * The element type of every tensor of `graph` whose type can be told: graph inputs, outputs,
 * value infos and initializers as declared, then each node's outputs by its op (Cast's `to`,
 * Shape's int64, a comparison's bool, a Constant's value; most ops give their first typed
 * input's type). `declared` overrides an initializer's own `data_type` (the topology's type for
 * a param). Tensors of unknown type are absent.
 *
 * @example
 * ```ts
 * elementTypes(proto.graph!).get('logits'); // 1 (FLOAT)
 * ```
 */
export function elementTypes(graph: GraphProto): Map<string, number> {
  const types = new Map<string, number>();
  const declare = (value: ValueInfoProto): void => {
    const type = value.type?.value;
    if (type?.case === 'tensorType' && type.value.elemType !== 0) types.set(value.name, type.value.elemType);
  };
  graph.input.forEach(declare);
  graph.valueInfo.forEach(declare);
  graph.output.forEach(declare);
  for (const tensor of graph.initializer) types.set(tensor.name, tensor.dataType);
  for (const node of graph.node) {
    const outputs = outputTypes(node, (name) => types.get(name));
    node.output.forEach((output, index) => {
      const type = outputs[index];
      if (output !== '' && type !== undefined && !types.has(output)) types.set(output, type);
    });
  }
  return types;
}

function outputTypes(node: NodeProto, typeOf: (name: string) => number | undefined): (number | undefined)[] {
  const input = (index: number): number | undefined => typeOf(node.input[index] ?? '');
  const attribute = (name: string) => node.attribute.find((candidate) => candidate.name === name);
  const op = node.domain === '' || node.domain === 'ai.onnx' ? node.opType : `${node.domain}.${node.opType}`;
  if (op === 'Cast') return [Number(attribute('to')?.i ?? 0n)];
  if (op === 'CastLike') return [input(1)];
  if (BOOL_OPS.has(op)) return [DataType.BOOL];
  if (INT64_OPS.has(op)) return [DataType.INT64];
  if (op === 'Constant') return [constantType(node)];
  if (op === 'ConstantOfShape') return [attribute('value')?.t?.dataType ?? DataType.FLOAT];
  if (op === 'TopK' || op === 'MaxPool') return [input(0), DataType.INT64];
  if (op === 'Where') return [input(1)];
  if (op === 'OneHot') return [input(2)];
  if (op === 'DequantizeLinear') return [input(1)];
  if (op === 'QuantizeLinear') return [input(2) ?? DataType.UINT8];
  if (op === 'DynamicQuantizeLinear') return [DataType.UINT8, DataType.FLOAT, DataType.UINT8];
  if (op === 'MatMulInteger' || op === 'ConvInteger') return [DataType.INT32];
  if (op === 'com.microsoft.MatMulNBits') return [input(0)];
  if (node.domain !== '' && node.domain !== 'ai.onnx' && node.domain !== 'com.microsoft') return [];
  const first = node.input.map((name) => typeOf(name)).find((type) => type !== undefined);
  return node.output.map(() => first);
}

function constantType(node: NodeProto): number | undefined {
  for (const attribute of node.attribute) {
    if (attribute.name === 'value') return (attribute.t as TensorProto | undefined)?.dataType;
    if (attribute.name === 'value_float' || attribute.name === 'value_floats') return DataType.FLOAT;
    if (attribute.name === 'value_int' || attribute.name === 'value_ints') return DataType.INT64;
    if (attribute.name === 'value_string' || attribute.name === 'value_strings') return DataType.STRING;
  }
  return undefined;
}
