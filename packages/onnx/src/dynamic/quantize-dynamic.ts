import { create } from '@bufbuild/protobuf';
import { createModel, decode, hostTensor, unpackBits, WhittleError, type AffineEncoding, type Model, type Param } from '@whittle/core';
import { quantizeAffine } from '@whittle/quantize';
import {
  AttributeProto_AttributeType as AttributeType,
  AttributeProtoSchema,
  NodeProtoSchema,
  TensorProto_DataType as DataType,
  TensorProtoSchema,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from '../proto/onnx_pb.ts';
import { onnxTopology } from '../model/onnx-topology.ts';

/** Every {@link DynamicWeightType}: the list the type is derived from. */
export const DYNAMIC_WEIGHT_TYPES = ['int8', 'uint8'] as const;

/** How weights are stored: signed symmetric (`int8`, transformers.js's q8/int8) or unsigned with a zero point (`uint8`). */
export type DynamicWeightType = (typeof DYNAMIC_WEIGHT_TYPES)[number];

/** Options for {@link quantizeDynamic}. */
export interface DynamicOptions {
  readonly weightType?: DynamicWeightType;
  /** One scale per output column instead of one per tensor (onnxruntime's `per_channel`). */
  readonly perChannel?: boolean;
  /** Weights (initializer names) to leave in float. */
  readonly exclude?: readonly string[];
}

/** What {@link quantizeDynamic} did. */
export interface DynamicResult {
  readonly model: Model;
  /** The encoding each quantized weight stands for, by the weight's name. */
  readonly encodings: ReadonlyMap<string, AffineEncoding>;
  /** MatMuls rewritten. */
  readonly nodes: readonly string[];
}

/**
 * Dynamic quantization as onnxruntime's `quantize_dynamic` writes it for MatMuls with a constant
 * float32 2-D weight: the activation goes through `DynamicQuantizeLinear` (uint8, its scale and
 * zero point computed at run time, once per activation however many MatMuls read it), the weight
 * is stored as int8 (symmetric, codes in [-127, 127], zero point 0) or uint8 (with a zero point),
 * `MatMulInteger` multiplies in int32, and a Cast and two Muls apply the product of the scales.
 *
 * @example
 * ```ts
 * const { model: q8 } = quantizeDynamic(await readOnnxFile('model.onnx'), { weightType: 'int8' });
 * await writeOnnxFile('model_quantized.onnx', q8);
 * ```
 */
export function quantizeDynamic(model: Model, options: DynamicOptions = {}): DynamicResult {
  const { weightType = 'int8', perChannel = false } = options;
  if (!DYNAMIC_WEIGHT_TYPES.includes(weightType)) {
    throw new WhittleError('invalid-argument', `weightType must be int8 or uint8, got ${String(weightType)}`, { field: 'weightType' });
  }
  const symmetric = weightType === 'int8';
  const { proto } = onnxTopology(model);
  const graph = proto.graph as GraphProto;
  const exclude = new Set(options.exclude ?? []);
  const consumers = new Map<string, NodeProto[]>();
  for (const node of graph.node) for (const input of node.input) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  const isMatMul = (node: NodeProto): boolean => node.opType === 'MatMul' && (node.domain === '' || node.domain === 'ai.onnx');
  const params = new Map<string, Param>(model.params);
  const encodings = new Map<string, AffineEncoding>();
  const replaced = new Map<string, TensorProto[]>();
  const weightNames = new Map<string, { data: string; scale: string; zeroPoint: string }>();
  const used = new Set([...graph.initializer.map((tensor) => tensor.name), ...graph.node.flatMap((node) => [...node.input, ...node.output]), ...graph.input.map((value) => value.name)]);
  const fresh = (base: string): string => {
    let name = base;
    for (let index = 1; used.has(name); index++) name = `${base}_${index}`;
    used.add(name);
    return name;
  };
  for (const tensor of graph.initializer) {
    const weight = tensor.name;
    const param = params.get(weight);
    const users = consumers.get(weight) ?? [];
    if (param === undefined || exclude.has(weight) || tensor.dims.length !== 2 || tensor.dataType !== DataType.FLOAT || users.length === 0) continue;
    if (!users.every((node) => isMatMul(node) && node.input[1] === weight && node.input[0] !== weight)) continue;
    const encoding = quantizeAffine(decode(param.value), {
      bits: 8,
      symmetric,
      narrowRange: symmetric,
      granularity: perChannel ? { kind: 'axis', axis: 1 } : { kind: 'tensor' },
      scaleDType: 'float32',
    });
    const [k, n] = encoding.shape as [number, number];
    const codes = unpackBits(encoding.codes, k * n, 8, symmetric);
    const names = { data: fresh(`${weight}_quantized`), scale: fresh(`${weight}_scale`), zeroPoint: fresh(`${weight}_zero_point`) };
    const scaleShape = perChannel ? [n] : [];
    const zeroPoints = symmetric ? new Int8Array(perChannel ? n : 1) : Uint8Array.from(encoding.zeroPoints!.data as Uint8Array);
    const layer = param.layer === undefined ? {} : { layer: param.layer };
    const add = (name: string, value: ReturnType<typeof hostTensor>, type: number): TensorProto => {
      params.set(name, { name, role: 'other', shape: value.shape, value: { kind: 'dense', tensor: value }, ...layer } as Param);
      return create(TensorProtoSchema, { name, dims: value.shape.map(BigInt), dataType: type });
    };
    const codeType = symmetric ? DataType.INT8 : DataType.UINT8;
    replaced.set(weight, [
      add(names.data, symmetric ? hostTensor('int8', [k, n], Int8Array.from(codes)) : hostTensor('uint8', [k, n], Uint8Array.from(codes)), codeType),
      add(names.scale, hostTensor('float32', scaleShape, Float32Array.from(encoding.scales.data as Float32Array)), DataType.FLOAT),
      add(names.zeroPoint, symmetric ? hostTensor('int8', scaleShape, zeroPoints as Int8Array) : hostTensor('uint8', scaleShape, zeroPoints as Uint8Array), codeType),
    ]);
    params.delete(weight);
    encodings.set(weight, encoding);
    weightNames.set(weight, names);
  }

  const activations = new Map<string, { data: string; scale: string; zeroPoint: string }>();
  const nodes: NodeProto[] = [];
  const rewritten: string[] = [];
  graph.node.forEach((node, index) => {
    const weight = weightNames.get(node.input[1] ?? '');
    if (!isMatMul(node) || weight === undefined) {
      nodes.push(node);
      return;
    }
    const input = node.input[0]!;
    const output = node.output[0]!;
    let activation = activations.get(input);
    if (activation === undefined) {
      activation = { data: fresh(`${input}_quantized`), scale: fresh(`${input}_scale`), zeroPoint: fresh(`${input}_zero_point`) };
      activations.set(input, activation);
      nodes.push(create(NodeProtoSchema, { name: `${input}::dynamic_quantize`, opType: 'DynamicQuantizeLinear', input: [input], output: [activation.data, activation.scale, activation.zeroPoint] }));
    }
    const name = node.name === '' ? `MatMul_${index}` : node.name;
    rewritten.push(name);
    const integer = fresh(`${output}_int32`);
    const float = fresh(`${output}_float`);
    const scale = fresh(`${output}_scale`);
    nodes.push(
      create(NodeProtoSchema, { name: `${name}::integer`, opType: 'MatMulInteger', input: [activation.data, weight.data, activation.zeroPoint, weight.zeroPoint], output: [integer] }),
      create(NodeProtoSchema, {
        name: `${name}::cast`,
        opType: 'Cast',
        input: [integer],
        output: [float],
        attribute: [create(AttributeProtoSchema, { name: 'to', type: AttributeType.INT, i: BigInt(DataType.FLOAT) })],
      }),
      create(NodeProtoSchema, { name: `${name}::scales`, opType: 'Mul', input: [activation.scale, weight.scale], output: [scale] }),
      create(NodeProtoSchema, { name, opType: 'Mul', input: [float, scale], output: [output] }),
    );
  });
  const initializer = graph.initializer.flatMap((tensor) => replaced.get(tensor.name) ?? [tensor]);
  const topology = { proto: { ...proto, graph: { ...graph, initializer, node: nodes } as GraphProto } as ModelProto };
  return { model: createModel({ format: 'onnx', topology, params }), encodings, nodes: rewritten };
}
