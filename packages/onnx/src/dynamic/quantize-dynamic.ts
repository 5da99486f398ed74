import { create } from '@bufbuild/protobuf';
import { createModel, decode, hostTensor, unpackBits, WhittleError, type AffineEncoding, type Model, type Param } from '@whittle/core';
import { quantizeAffine } from '@whittle/quantize';
import {
  NodeProtoSchema,
  TensorProto_DataType as DataType,
  TensorProtoSchema,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from '../proto/onnx_pb.ts';
import { freshNames } from '../graph/fresh-names.ts';
import { onnxTopology } from '../model/onnx-topology.ts';
import { castToFloat } from './cast-to-float.ts';
import { convIntegerNodes, isConv, type QuantizedNames } from './conv-integer-nodes.ts';

/** Every {@link DynamicWeightType}: the list the type is derived from. */
export const DYNAMIC_WEIGHT_TYPES = ['int8', 'uint8'] as const;

/** How weights are stored: signed symmetric (`int8`, transformers.js's q8/int8) or unsigned with a zero point (`uint8`). */
export type DynamicWeightType = (typeof DYNAMIC_WEIGHT_TYPES)[number];

/** Options for {@link quantizeDynamic}. */
export interface DynamicOptions {
  readonly weightType?: DynamicWeightType;
  /**
   * One scale per output column of a MatMul weight instead of one per tensor (onnxruntime's
   * `per_channel`). Conv weights keep one scale and zero point per tensor: ConvInteger takes a
   * single weight zero point.
   */
  readonly perChannel?: boolean;
  /** Weights (initializer names) to leave in float. */
  readonly exclude?: readonly string[];
  /** Also rewrite Convs with a constant weight as ConvInteger (default true). */
  readonly convolutions?: boolean;
}

/** What {@link quantizeDynamic} did. */
export interface DynamicResult {
  readonly model: Model;
  /** The encoding each quantized weight stands for, by the weight's name. */
  readonly encodings: ReadonlyMap<string, AffineEncoding>;
  /** MatMuls and Convs rewritten. */
  readonly nodes: readonly string[];
}

/**
 * Dynamic quantization as onnxruntime's `quantize_dynamic` writes it, for MatMuls with a constant
 * float32 2-D weight and Convs with a constant float32 weight: the activation goes through
 * `DynamicQuantizeLinear` (uint8, its scale and zero point computed at run time, once per
 * activation however many nodes read it). A MatMul weight is stored as int8 (symmetric, codes in
 * [-127, 127], zero point 0) or uint8 (with a zero point), `MatMulInteger` multiplies in int32,
 * and a Cast and two Muls apply the product of the scales. A Conv weight is uint8 with a zero
 * point and one scale per tensor whatever `weightType` says: ConvInteger takes one weight zero
 * point, and older onnxruntime builds have no ConvInteger kernel for int8 weights (1.30's wasm
 * build has both), so uint8 runs everywhere. `ConvInteger` keeps the Conv's attributes; its bias
 * is added after the scale Mul, reshaped to broadcast over the channel axis.
 *
 * @example
 * ```ts
 * const { model: q8 } = quantizeDynamic(await readOnnxFile('model.onnx'), { weightType: 'int8' });
 * await writeOnnxFile('model_quantized.onnx', q8);
 * ```
 */
export function quantizeDynamic(model: Model, options: DynamicOptions = {}): DynamicResult {
  const { weightType = 'int8', perChannel = false, convolutions = true } = options;
  if (!DYNAMIC_WEIGHT_TYPES.includes(weightType)) {
    throw new WhittleError('invalid-argument', `weightType must be int8 or uint8, got ${String(weightType)}`, { field: 'weightType' });
  }
  const { proto } = onnxTopology(model);
  const graph = proto.graph as GraphProto;
  const exclude = new Set(options.exclude ?? []);
  const consumers = new Map<string, NodeProto[]>();
  for (const node of graph.node) for (const input of node.input) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  const params = new Map<string, Param>(model.params);
  const encodings = new Map<string, AffineEncoding>();
  const replaced = new Map<string, TensorProto[]>();
  const weightNames = new Map<string, QuantizedNames>();
  const fresh = freshNames(graph);
  for (const tensor of graph.initializer) {
    const weight = tensor.name;
    const param = params.get(weight);
    const users = consumers.get(weight) ?? [];
    if (param === undefined || exclude.has(weight) || tensor.dataType !== DataType.FLOAT || users.length === 0) continue;
    const readsAsWeight = (node: NodeProto): boolean => node.input[1] === weight && node.input[0] !== weight && node.input[2] !== weight;
    const matMulWeight = tensor.dims.length === 2 && users.every((node) => isMatMul(node) && readsAsWeight(node));
    const convWeight = convolutions && tensor.dims.length >= 3 && users.every((node) => isConv(node) && readsAsWeight(node));
    if (!matMulWeight && !convWeight) continue;
    // ConvInteger has uint8 weights only, with one zero point for the whole tensor.
    const symmetric = matMulWeight && weightType === 'int8';
    const byColumn = matMulWeight && perChannel;
    const encoding = quantizeAffine(decode(param.value), {
      bits: 8,
      symmetric,
      narrowRange: symmetric,
      granularity: byColumn ? { kind: 'axis', axis: 1 } : { kind: 'tensor' },
      scaleDType: 'float32',
    });
    const count = encoding.shape.reduce((product, dimension) => product * dimension, 1);
    const codes = unpackBits(encoding.codes, count, 8, symmetric);
    const names = { data: fresh(`${weight}_quantized`), scale: fresh(`${weight}_scale`), zeroPoint: fresh(`${weight}_zero_point`) };
    const scaleShape = byColumn ? [encoding.shape[1]!] : [];
    const zeroPoints = symmetric ? new Int8Array(byColumn ? scaleShape[0]! : 1) : Uint8Array.from(encoding.zeroPoints!.data as Uint8Array);
    const layer = param.layer === undefined ? {} : { layer: param.layer };
    const add = (name: string, value: ReturnType<typeof hostTensor>, type: number): TensorProto => {
      params.set(name, { name, role: 'other', shape: value.shape, value: { kind: 'dense', tensor: value }, ...layer } as Param);
      return create(TensorProtoSchema, { name, dims: value.shape.map(BigInt), dataType: type });
    };
    const codeType = symmetric ? DataType.INT8 : DataType.UINT8;
    const shape = [...encoding.shape];
    replaced.set(weight, [
      add(names.data, symmetric ? hostTensor('int8', shape, Int8Array.from(codes)) : hostTensor('uint8', shape, Uint8Array.from(codes)), codeType),
      add(names.scale, hostTensor('float32', scaleShape, Float32Array.from(encoding.scales.data as Float32Array)), DataType.FLOAT),
      add(names.zeroPoint, symmetric ? hostTensor('int8', scaleShape, zeroPoints as Int8Array) : hostTensor('uint8', scaleShape, zeroPoints as Uint8Array), codeType),
    ]);
    params.delete(weight);
    encodings.set(weight, encoding);
    weightNames.set(weight, { ...names, rank: shape.length, channels: shape[0]! });
  }

  const activations = new Map<string, QuantizedNames>();
  const nodes: NodeProto[] = [];
  const added: TensorProto[] = [];
  const rewritten: string[] = [];
  graph.node.forEach((node, index) => {
    const weight = weightNames.get(node.input[1] ?? '');
    if (weight === undefined || !(isMatMul(node) || isConv(node))) {
      nodes.push(node);
      return;
    }
    const input = node.input[0]!;
    let activation = activations.get(input);
    if (activation === undefined) {
      activation = { data: fresh(`${input}_quantized`), scale: fresh(`${input}_scale`), zeroPoint: fresh(`${input}_zero_point`) };
      activations.set(input, activation);
      nodes.push(create(NodeProtoSchema, { name: `${input}::dynamic_quantize`, opType: 'DynamicQuantizeLinear', input: [input], output: [activation.data, activation.scale, activation.zeroPoint] }));
    }
    const name = node.name === '' ? `${node.opType}_${index}` : node.name;
    rewritten.push(name);
    if (isConv(node)) {
      const conv = convIntegerNodes({ node, name, activation, weight, fresh });
      nodes.push(...conv.nodes);
      added.push(...conv.initializers);
      return;
    }
    const output = node.output[0]!;
    const integer = fresh(`${output}_int32`);
    const float = fresh(`${output}_float`);
    const scale = fresh(`${output}_scale`);
    nodes.push(
      create(NodeProtoSchema, { name: `${name}::integer`, opType: 'MatMulInteger', input: [activation.data, weight.data, activation.zeroPoint, weight.zeroPoint], output: [integer] }),
      castToFloat(`${name}::cast`, integer, float),
      create(NodeProtoSchema, { name: `${name}::scales`, opType: 'Mul', input: [activation.scale, weight.scale], output: [scale] }),
      create(NodeProtoSchema, { name, opType: 'Mul', input: [float, scale], output: [output] }),
    );
  });
  const initializer = [...graph.initializer.flatMap((tensor) => replaced.get(tensor.name) ?? [tensor]), ...added];
  const topology = { proto: { ...proto, graph: { ...graph, initializer, node: nodes } as GraphProto } as ModelProto };
  return { model: createModel({ format: 'onnx', topology, params }), encodings, nodes: rewritten };
}

function isMatMul(node: NodeProto): boolean {
  return node.opType === 'MatMul' && (node.domain === '' || node.domain === 'ai.onnx');
}
