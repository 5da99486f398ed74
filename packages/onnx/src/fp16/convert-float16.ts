import { create } from '@bufbuild/protobuf';
import { castDense, createModel, decode, float32ArrayToFloat16, WhittleError, type Model, type Param } from '@whittle/core';
import {
  AttributeProto_AttributeType as AttributeType,
  AttributeProtoSchema,
  NodeProtoSchema,
  TensorProtoSchema,
  TensorProto_DataType as DataType,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../proto/onnx_pb.ts';
import { onnxTopology } from '../model/onnx-topology.ts';
import { elementTypes } from './element-types.ts';
import { FLOAT16_BLOCKED_OPS } from './float16-block-list.ts';

/** Options for {@link convertToFloat16}. */
export interface Float16Options {
  /** Ops kept in float32 besides {@link FLOAT16_BLOCKED_OPS}. */
  readonly blockedOps?: readonly string[];
  /** Nodes (by name) kept in float32. */
  readonly blockedNodes?: readonly string[];
}

/** What {@link convertToFloat16} did, for a step's notes. */
export interface Float16Result {
  readonly model: Model;
  /** Float32 params now stored in float16. */
  readonly converted: readonly string[];
  /** Nodes left in float32 (blocked ops), with Casts around them. */
  readonly keptFloat32: readonly string[];
  /** Cast nodes inserted. */
  readonly casts: number;
}

type Precision = 'float16' | 'float32';

/**
 * An `onnx` model computed in float16, as onnxruntime's float16 converter writes it: float32
 * initializers stored as float16, float32 tensors flowing as float16, Casts at the graph's
 * float32 inputs and outputs (so callers feed and read float32 as before) and around nodes that
 * stay float32 (the block list, and `options`). Float Constants, ConstantOfShape values and
 * Casts to float become float16; value infos follow. A model with control flow (subgraph
 * attributes: If, Loop, Scan) is refused with an `invalid-model` WhittleError, as the subgraphs'
 * outer-scope types would change under them.
 *
 * @example
 * ```ts
 * const { model: half } = convertToFloat16(await readOnnxFile('model.onnx'));
 * await writeOnnxFile('model_fp16.onnx', half);
 * ```
 */
export function convertToFloat16(model: Model, options: Float16Options = {}): Float16Result {
  const { proto } = onnxTopology(model);
  const graph = proto.graph as GraphProto;
  const blockedOps = new Set([...FLOAT16_BLOCKED_OPS, ...(options.blockedOps ?? [])]);
  const blockedNodes = new Set(options.blockedNodes ?? []);
  for (const [index, node] of graph.node.entries()) {
    if (node.attribute.some((attribute) => attribute.g !== undefined || attribute.graphs.length > 0)) {
      throw new WhittleError('invalid-model', `the ${node.opType} node holds a subgraph; float16 conversion does not rewrite control flow`, { field: `graph.node[${index}]` });
    }
  }
  const isBlocked = (node: NodeProto): boolean =>
    blockedOps.has(node.opType) || blockedNodes.has(node.name) || (node.domain !== '' && node.domain !== 'ai.onnx' && node.domain !== 'com.microsoft');
  const types = elementTypes(graph);
  const isFloat = (name: string): boolean => name !== '' && types.get(name) === DataType.FLOAT;

  // Which precision each float tensor is produced in, under which names it is available.
  const available = new Map<string, Map<Precision, string>>();
  const produce = (name: string, precision: Precision, as = name): void => {
    available.set(name, new Map([[precision, as]]));
  };
  const graphOutputs = new Set(graph.output.map((output) => output.name));
  const consumers = new Map<string, NodeProto[]>();
  for (const node of graph.node) for (const input of node.input) consumers.set(input, [...(consumers.get(input) ?? []), node]);

  const initializerNames = new Set(graph.initializer.map((tensor) => tensor.name));
  // Models before IR 4 list initializers among the inputs too: those follow their initializer.
  for (const input of graph.input) if (isFloat(input.name) && !initializerNames.has(input.name)) produce(input.name, 'float32');
  const converted: string[] = [];
  const params = new Map<string, Param>(model.params);
  const initializers = graph.initializer.map((tensor) => {
    if (tensor.dataType !== DataType.FLOAT) return tensor;
    const users = consumers.get(tensor.name) ?? [];
    if (users.length > 0 && users.every(isBlocked)) {
      produce(tensor.name, 'float32');
      return tensor;
    }
    produce(tensor.name, 'float16');
    const param = model.params.get(tensor.name);
    if (param !== undefined) {
      params.set(tensor.name, { ...param, value: castDense(decode(param.value), 'float16') });
      converted.push(tensor.name);
      return { ...tensor, dataType: DataType.FLOAT16 };
    }
    return tensorToFloat16(tensor);
  });

  const nodes: NodeProto[] = [];
  const keptFloat32: string[] = [];
  let casts = 0;
  const nameIn = (name: string, precision: Precision): string => {
    const names = available.get(name);
    if (names === undefined) return name;
    const existing = names.get(precision);
    if (existing !== undefined) return existing;
    const [source] = names.values();
    const target = `${name}::${precision}`;
    nodes.push(castNode(source!, target, precision === 'float16' ? DataType.FLOAT16 : DataType.FLOAT));
    casts++;
    names.set(precision, target);
    return target;
  };

  for (const node of graph.node) {
    const blocked = isBlocked(node);
    const precision: Precision = blocked ? 'float32' : 'float16';
    if (blocked) keptFloat32.push(node.name === '' ? node.opType : node.name);
    const input = node.input.map((name) => (isFloat(name) ? nameIn(name, precision) : name));
    const output = node.output.map((name) => {
      if (!isFloat(name)) return name;
      // A graph output keeps its float32 name for the Cast that ends the graph.
      const as = precision === 'float16' && graphOutputs.has(name) ? `${name}::float16` : name;
      produce(name, precision, as);
      return as;
    });
    nodes.push(blocked ? { ...node, input, output } : { ...node, input, output, attribute: node.attribute.map((attribute) => attributeToFloat16(node, attribute)) });
    if (!blocked && node.opType === 'ConstantOfShape' && isFloat(node.output[0] ?? '') && !node.attribute.some((attribute) => attribute.name === 'value')) {
      // The default value is a float32 zero; a float16 model needs its own.
      const last = nodes[nodes.length - 1]!;
      nodes[nodes.length - 1] = { ...last, attribute: [...last.attribute, create(AttributeProtoSchema, { name: 'value', type: AttributeType.TENSOR, t: create(TensorProtoSchema, { dims: [1n], dataType: DataType.FLOAT16, rawData: new Uint8Array(2) }) })] };
    }
  }
  for (const output of graph.output) {
    if (!isFloat(output.name)) continue;
    const names = available.get(output.name);
    if (names !== undefined && !names.has('float32')) {
      nodes.push(castNode(names.get('float16')!, output.name, DataType.FLOAT));
      casts++;
    }
  }

  const float16Tensors = new Set<string>();
  for (const [name, names] of available) if (names.has('float16') && name !== '') float16Tensors.add(names.get('float16')!);
  const valueInfo = graph.valueInfo.map((value) => (float16Tensors.has(value.name) ? withElementType(value, DataType.FLOAT16) : value));
  const input = graph.input.map((value) => (initializerNames.has(value.name) && float16Tensors.has(value.name) ? withElementType(value, DataType.FLOAT16) : value));
  const topology = { proto: { ...proto, graph: { ...graph, input, initializer: initializers, node: nodes, valueInfo } as GraphProto } as ModelProto };
  return { model: createModel({ format: 'onnx', topology, params }), converted, keptFloat32, casts };
}

function castNode(input: string, output: string, to: DataType): NodeProto {
  return create(NodeProtoSchema, {
    input: [input],
    output: [output],
    name: `${output}::cast`,
    opType: 'Cast',
    attribute: [create(AttributeProtoSchema, { name: 'to', type: AttributeType.INT, i: BigInt(to) })],
  });
}

function attributeToFloat16(node: NodeProto, attribute: AttributeProto): AttributeProto {
  if (node.opType === 'Cast' && attribute.name === 'to' && attribute.i === BigInt(DataType.FLOAT)) {
    return { ...attribute, i: BigInt(DataType.FLOAT16) };
  }
  if ((node.opType === 'Constant' || node.opType === 'ConstantOfShape') && attribute.name === 'value' && attribute.t?.dataType === DataType.FLOAT) {
    return { ...attribute, t: tensorToFloat16(attribute.t) };
  }
  if (node.opType === 'Constant' && (attribute.name === 'value_float' || attribute.name === 'value_floats')) {
    const values = attribute.name === 'value_float' ? [attribute.f] : attribute.floats;
    const dims = attribute.name === 'value_float' ? [] : [BigInt(values.length)];
    const data = float32ArrayToFloat16(Float32Array.from(values));
    return create(AttributeProtoSchema, {
      name: 'value',
      type: AttributeType.TENSOR,
      t: create(TensorProtoSchema, { dims, dataType: DataType.FLOAT16, rawData: new Uint8Array(data.buffer) }),
    });
  }
  return attribute;
}

/** A FLOAT tensor held in the topology (not a param) as FLOAT16. */
function tensorToFloat16(tensor: TensorProto): TensorProto {
  let values: Float32Array;
  if (tensor.rawData.byteLength > 0) {
    values = new Float32Array(tensor.rawData.byteLength / 4);
    new Uint8Array(values.buffer).set(tensor.rawData);
  } else {
    values = Float32Array.from(tensor.floatData);
  }
  const data = float32ArrayToFloat16(values);
  return { ...tensor, dataType: DataType.FLOAT16, rawData: new Uint8Array(data.buffer), floatData: [] };
}

function withElementType(value: ValueInfoProto, elemType: number): ValueInfoProto {
  const type = value.type;
  if (type?.value.case !== 'tensorType') return value;
  return { ...value, type: { ...type, value: { case: 'tensorType', value: { ...type.value.value, elemType } } } };
}
