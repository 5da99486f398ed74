import { create } from '@bufbuild/protobuf';
import { createModel, decode, hostTensor, unpackBits, WhittleError, type AffineEncoding, type Granularity, type Model, type Param } from '@whittle/core';
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
import { freshNames } from '../graph/fresh-names.ts';
import { onnxTopology } from '../model/onnx-topology.ts';

/** Every {@link QdqBits}: the list the type is derived from. */
export const QDQ_BITS = [4, 8] as const;

/** Code widths of {@link quantizeMatMulsToQdq}: INT4/UINT4 or INT8/UINT8. */
export type QdqBits = (typeof QDQ_BITS)[number];

/** Options for {@link quantizeMatMulsToQdq}. */
export interface QdqOptions {
  readonly bits: QdqBits;
  /** Rows of K per scale (`block_size`); absent: one scale per output column (`axis` 1). */
  readonly blockSize?: number;
  /** Signed codes without zero points (default), or unsigned codes with zero points. */
  readonly symmetric?: boolean;
  /** Weights (initializer names) to leave in float. */
  readonly exclude?: readonly string[];
}

/** What {@link quantizeMatMulsToQdq} did. */
export interface QdqResult {
  readonly model: Model;
  /** The encoding each rewritten weight's DequantizeLinear decodes to, by the weight's name. */
  readonly encodings: ReadonlyMap<string, AffineEncoding>;
}

/** The opset whose DequantizeLinear takes `block_size` and INT4/UINT4. */
export const QDQ_OPSET = 21;

/**
 * Stores each MatMul's constant float32 2-D weight B `[K, N]` quantized, in standard ONNX: a
 * `DequantizeLinear` (opset 21) on an INT4/UINT4 or INT8/UINT8 initializer, with `axis` 0 and
 * `block_size` for scales per block of K, or `axis` 1 for one scale per column, produces B for
 * the MatMul, which stays as it was. The default opset is raised to 21 (and the IR version to
 * 10, which has INT4) when lower. Codes come from `quantizeAffine`. INT4 data is packed two per
 * byte, the first element in the low nibble, and kept in the topology; 8-bit codes are params.
 *
 * @example
 * ```ts
 * const { model: qdq } = quantizeMatMulsToQdq(model, { bits: 4, blockSize: 32 });
 * await writeOnnxFile('model_int4.onnx', qdq);
 * ```
 */
export function quantizeMatMulsToQdq(model: Model, options: QdqOptions): QdqResult {
  const { bits, blockSize, symmetric = true } = options;
  if (!QDQ_BITS.includes(bits)) throw new WhittleError('invalid-argument', `bits must be 4 or 8, got ${String(bits)}`, { field: 'bits' });
  if (blockSize !== undefined && (!Number.isInteger(blockSize) || blockSize < 1)) {
    throw new WhittleError('invalid-argument', `blockSize must be a positive integer, got ${String(blockSize)}`, { field: 'blockSize' });
  }
  const { proto } = onnxTopology(model);
  const graph = proto.graph as GraphProto;
  const exclude = new Set(options.exclude ?? []);
  const initializers = new Map(graph.initializer.map((tensor) => [tensor.name, tensor]));
  const consumers = new Map<string, NodeProto[]>();
  for (const node of graph.node) for (const input of node.input) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  const isMatMul = (node: NodeProto): boolean => node.opType === 'MatMul' && (node.domain === '' || node.domain === 'ai.onnx');
  const params = new Map<string, Param>(model.params);
  const encodings = new Map<string, AffineEncoding>();
  const replaced = new Map<string, TensorProto[]>();
  const dequantizers: NodeProto[] = [];
  const fresh = freshNames(graph);
  for (const tensor of graph.initializer) {
    const weight = tensor.name;
    const param = params.get(weight);
    const users = consumers.get(weight) ?? [];
    if (param === undefined || exclude.has(weight) || tensor.dims.length !== 2 || tensor.dataType !== DataType.FLOAT || users.length === 0) continue;
    if (!users.every((node) => isMatMul(node) && node.input[1] === weight && node.input[0] !== weight)) continue;
    const granularity: Granularity = blockSize === undefined ? { kind: 'axis', axis: 1 } : { kind: 'group', axis: 0, size: blockSize };
    const encoding = quantizeAffine(decode(param.value), { bits, symmetric, granularity, scaleDType: 'float32' });
    const [k, n] = encoding.shape as [number, number];
    const codes = unpackBits(encoding.codes, k * n, bits, encoding.signed);
    const codeType = bits === 4 ? (symmetric ? DataType.INT4 : DataType.UINT4) : symmetric ? DataType.INT8 : DataType.UINT8;
    const names = { data: fresh(`${weight}_quantized`), scale: fresh(`${weight}_scale`), zeroPoint: symmetric ? '' : fresh(`${weight}_zero_point`) };
    const layer = param.layer === undefined ? {} : { layer: param.layer };
    const tensors: TensorProto[] = [];
    if (bits === 4) {
      tensors.push(create(TensorProtoSchema, { name: names.data, dims: [BigInt(k), BigInt(n)], dataType: codeType, rawData: packNibbles(codes) }));
    } else {
      const data = symmetric ? hostTensor('int8', [k, n], Int8Array.from(codes)) : hostTensor('uint8', [k, n], Uint8Array.from(codes));
      params.set(names.data, { name: names.data, role: 'other', shape: [k, n], value: { kind: 'dense', tensor: data }, ...layer } as Param);
      tensors.push(create(TensorProtoSchema, { name: names.data, dims: [BigInt(k), BigInt(n)], dataType: codeType }));
    }
    const scales = encoding.scales;
    params.set(names.scale, { name: names.scale, role: 'other', shape: scales.shape, value: { kind: 'dense', tensor: hostTensor('float32', scales.shape, Float32Array.from(scales.data as Float32Array)) }, ...layer } as Param);
    tensors.push(create(TensorProtoSchema, { name: names.scale, dims: scales.shape.map(BigInt), dataType: DataType.FLOAT }));
    if (!symmetric) {
      const zeroPoints = Uint8Array.from(encoding.zeroPoints!.data as Uint8Array);
      if (bits === 4) {
        tensors.push(create(TensorProtoSchema, { name: names.zeroPoint, dims: scales.shape.map(BigInt), dataType: DataType.UINT4, rawData: packNibbles(zeroPoints) }));
      } else {
        params.set(names.zeroPoint, { name: names.zeroPoint, role: 'other', shape: scales.shape, value: { kind: 'dense', tensor: hostTensor('uint8', scales.shape, zeroPoints) }, ...layer } as Param);
        tensors.push(create(TensorProtoSchema, { name: names.zeroPoint, dims: scales.shape.map(BigInt), dataType: DataType.UINT8 }));
      }
    }
    const attribute = (name: string, value: number) => create(AttributeProtoSchema, { name, type: AttributeType.INT, i: BigInt(value) });
    dequantizers.push(
      create(NodeProtoSchema, {
        name: `${weight}::dequantize`,
        opType: 'DequantizeLinear',
        input: [names.data, names.scale, ...(symmetric ? [] : [names.zeroPoint])],
        output: [weight],
        attribute: blockSize === undefined ? [attribute('axis', 1)] : [attribute('axis', 0), attribute('block_size', blockSize)],
      }),
    );
    params.delete(weight);
    encodings.set(weight, encoding);
    replaced.set(weight, tensors);
  }
  const initializer = graph.initializer.flatMap((tensor) => replaced.get(tensor.name) ?? [tensor]);
  const raise = encodings.size > 0;
  const opsetImport = proto.opsetImport.map((opset) =>
    raise && (opset.domain === '' || opset.domain === 'ai.onnx') && opset.version < BigInt(QDQ_OPSET) ? { ...opset, version: BigInt(QDQ_OPSET) } : opset,
  );
  const irVersion = raise && proto.irVersion < 10n ? 10n : proto.irVersion;
  const topology = { proto: { ...proto, irVersion, opsetImport, graph: { ...graph, initializer, node: [...dequantizers, ...graph.node] } as GraphProto } as ModelProto };
  return { model: createModel({ format: 'onnx', topology, params }), encodings };
}

/** 4-bit codes two per byte, the first element in the low nibble, as ONNX stores INT4 and UINT4. */
function packNibbles(codes: ArrayLike<number>): Uint8Array {
  const packed = new Uint8Array(Math.ceil(codes.length / 2));
  for (let index = 0; index < codes.length; index++) packed[index >> 1]! |= (codes[index]! & 15) << ((index & 1) * 4);
  return packed;
}
