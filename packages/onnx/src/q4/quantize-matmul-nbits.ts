import { create } from '@bufbuild/protobuf';
import { createModel, decode, float32ArrayToFloat16, hostTensor, WhittleError, type AffineEncoding, type HostTensor, type Model, type Param } from '@whittle/core';
import { gptqQuantizeWithHessian, isHessian, quantizeAffine, type Hessian } from '@whittle/quantize';
import { hostHessian } from './host-hessian.ts';
import {
  AttributeProto_AttributeType as AttributeType,
  AttributeProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProto_DataType as DataType,
  TensorProtoSchema,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from '../proto/onnx_pb.ts';
import { freshNames } from '../graph/fresh-names.ts';
import { onnxTopology } from '../model/onnx-topology.ts';
import { matMulNBitsWeights, MATMUL_NBITS_BITS } from './matmul-nbits-weights.ts';

/** Every {@link NBitsMethod}: the list the type is derived from. */
export const NBITS_METHODS = ['rtn', 'gptq', 'kmeans'] as const;

/** Which whittle quantizer chooses the codes (`kmeans` is refused: MatMulNBits has no codebook). */
export type NBitsMethod = (typeof NBITS_METHODS)[number];

/** Options for {@link quantizeMatMulsToNBits}. */
export interface MatMulNBitsOptions {
  /** Rows of K sharing a scale: a power of two of at least 16 (default 32). */
  readonly blockSize?: number;
  /** Signed codes with the default zero point 8 (default), or unsigned codes with zero points. */
  readonly symmetric?: boolean;
  /** Round to nearest (`quantizeAffine`, default) or GPTQ, which needs `calibration`. */
  readonly method?: NBitsMethod;
  /**
   * GPTQ's inputs per weight name: the MatMul's A rows `[..., K]` (as onnxruntime computes them
   * on calibration data), or their Hessian.
   */
  readonly calibration?: ReadonlyMap<string, HostTensor | Hessian>;
  /** Weights (initializer names) to leave in float. */
  readonly exclude?: readonly string[];
}

/** What {@link quantizeMatMulsToNBits} did. */
export interface MatMulNBitsResult {
  readonly model: Model;
  /** The encoding each rewritten weight's MatMulNBits decodes to, by the weight's name. */
  readonly encodings: ReadonlyMap<string, AffineEncoding>;
  /** Nodes rewritten to MatMulNBits. */
  readonly nodes: readonly string[];
}

/**
 * Rewrites each MatMul whose B is a 2-D float32 or float16 initializer used only by MatMuls into
 * `com.microsoft.MatMulNBits` (bits 4, `block_size`, `K`, `N`), as onnxruntime's and
 * transformers.js's q4 models are written: B becomes uint8 `[N, blocks, blockSize / 2]`, scales
 * `[N · blocks]` in B's float type, zero points only for asymmetric codes, and the opset
 * import `com.microsoft` 1 is added. The codes come from `quantizeAffine` (round to nearest), from
 * GPTQ given calibration inputs, or from the param itself when it already holds a 4-bit affine
 * encoding grouped by `blockSize` along K. k-means (a codebook) is not representable in
 * MatMulNBits: asking for it, or meeting a codebook-encoded weight, is an `invalid-argument`
 * WhittleError.
 *
 * @example
 * ```ts
 * const { model: q4 } = await quantizeMatMulsToNBits(await readOnnxFile('model.onnx'), { blockSize: 32 });
 * await writeOnnxFile('model_q4.onnx', q4);
 * ```
 */
export async function quantizeMatMulsToNBits(model: Model, options: MatMulNBitsOptions = {}): Promise<MatMulNBitsResult> {
  const { blockSize = 32, symmetric = true, method = 'rtn' } = options;
  if (!Number.isInteger(blockSize) || blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) {
    throw new WhittleError('invalid-argument', `blockSize must be a power of two of at least 16, got ${String(blockSize)}`, { field: 'blockSize' });
  }
  if (method === 'kmeans') {
    throw new WhittleError('invalid-argument', 'k-means codebooks are not representable in MatMulNBits, which stores a scale and zero point per block; use rtn or gptq', { field: 'method' });
  }
  if (!NBITS_METHODS.includes(method)) throw new WhittleError('invalid-argument', `method must be rtn, gptq or kmeans, got ${String(method)}`, { field: 'method' });
  const { proto } = onnxTopology(model);
  const graph = proto.graph as GraphProto;
  const exclude = new Set(options.exclude ?? []);
  const initializers = new Map(graph.initializer.map((tensor) => [tensor.name, tensor]));
  const consumers = new Map<string, NodeProto[]>();
  for (const node of graph.node) for (const input of node.input) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  const isMatMul = (node: NodeProto): boolean => node.opType === 'MatMul' && (node.domain === '' || node.domain === 'ai.onnx');
  const chosen = new Set<string>();
  for (const node of graph.node) {
    const weight = node.input[1] ?? '';
    const tensor = initializers.get(weight);
    if (!isMatMul(node) || tensor === undefined || exclude.has(weight) || !model.params.has(weight)) continue;
    if (tensor.dims.length !== 2 || (tensor.dataType !== DataType.FLOAT && tensor.dataType !== DataType.FLOAT16)) continue;
    if ((consumers.get(weight) ?? []).every((consumer) => isMatMul(consumer) && consumer.input[1] === weight && consumer.input[0] !== weight)) chosen.add(weight);
  }

  const params = new Map<string, Param>(model.params);
  const encodings = new Map<string, AffineEncoding>();
  const replaced = new Map<string, TensorProto[]>();
  const fresh = freshNames(graph);
  const weightInputs = new Map<string, string[]>();
  for (const weight of chosen) {
    const param = params.get(weight)!;
    const encoding = await encodingFor(param, weight, { blockSize, symmetric, method, calibration: options.calibration?.get(weight), scaleDType: initializers.get(weight)!.dataType === DataType.FLOAT16 ? 'float16' : 'float32' });
    const nbits = matMulNBitsWeights(encoding, blockSize, weight);
    const scaleType = initializers.get(weight)!.dataType;
    const names = [fresh(`${weight}_Q4`), fresh(`${weight}_scales`), ...(nbits.zeroPoints === undefined ? [] : [fresh(`${weight}_zp`)])];
    const layer = param.layer;
    const add = (name: string, tensor: ReturnType<typeof hostTensor>, type: number): TensorProto => {
      params.set(name, { name, role: 'other', shape: tensor.shape, value: { kind: 'dense', tensor }, ...(layer === undefined ? {} : { layer }) } as Param);
      return create(TensorProtoSchema, { name, dims: tensor.shape.map(BigInt), dataType: type });
    };
    const tensors = [
      add(names[0]!, hostTensor('uint8', [nbits.n, nbits.blocks, blockSize / 2], nbits.packed), DataType.UINT8),
      // Scales are A's type: a float16 weight computes in float16, its scales chosen representable there.
      add(names[1]!, hostTensor('float32', [nbits.n * nbits.blocks], nbits.scales), scaleType),
      ...(nbits.zeroPoints === undefined ? [] : [add(names[2]!, hostTensor('uint8', [nbits.zeroPoints.length], nbits.zeroPoints), DataType.UINT8)]),
    ];
    if (scaleType === DataType.FLOAT16) {
      const scaleParam = params.get(names[1]!)!;
      params.set(names[1]!, { ...scaleParam, value: { kind: 'dense', tensor: hostTensor('float16', scaleParam.shape, float32ArrayToFloat16(nbits.scales)) } } as Param);
    }
    params.delete(weight);
    encodings.set(weight, encoding);
    replaced.set(weight, tensors);
    weightInputs.set(weight, names);
  }

  const rewritten: string[] = [];
  const nodes = graph.node.map((node, index) => {
    const weight = node.input[1] ?? '';
    const names = weightInputs.get(weight);
    if (!isMatMul(node) || names === undefined) return node;
    const encoding = encodings.get(weight)!;
    rewritten.push(node.name === '' ? `MatMul_${index}` : node.name);
    const attribute = (name: string, value: number) => create(AttributeProtoSchema, { name, type: AttributeType.INT, i: BigInt(value) });
    return create(NodeProtoSchema, {
      name: node.name,
      opType: 'MatMulNBits',
      domain: 'com.microsoft',
      input: [node.input[0]!, ...names],
      output: [...node.output],
      attribute: [attribute('K', encoding.shape[0]!), attribute('N', encoding.shape[1]!), attribute('bits', MATMUL_NBITS_BITS), attribute('block_size', blockSize)],
      docString: node.docString,
    });
  });
  const initializer = graph.initializer.flatMap((tensor) => replaced.get(tensor.name) ?? [tensor]);
  const opsetImport = proto.opsetImport.some((opset) => opset.domain === 'com.microsoft') || chosen.size === 0
    ? proto.opsetImport
    : [...proto.opsetImport, create(OperatorSetIdProtoSchema, { domain: 'com.microsoft', version: 1n })];
  const topology = { proto: { ...proto, opsetImport, graph: { ...graph, initializer, node: nodes } as GraphProto } as ModelProto };
  return { model: createModel({ format: 'onnx', topology, params }), encodings, nodes: rewritten };
}

async function encodingFor(
  param: Param,
  name: string,
  options: { blockSize: number; symmetric: boolean; method: NBitsMethod; calibration: HostTensor | Hessian | undefined; scaleDType: 'float32' | 'float16' },
): Promise<AffineEncoding> {
  const { value } = param;
  if (value.kind === 'codebook') {
    throw new WhittleError('invalid-argument', 'a k-means codebook is not representable in MatMulNBits; quantize this weight with rtn or gptq', { field: `params.${name}` });
  }
  if (value.kind === 'affine' && value.bits === MATMUL_NBITS_BITS && value.granularity.kind === 'group' && value.granularity.axis === 0 && value.granularity.size === options.blockSize && value.offsets === undefined) {
    return value;
  }
  const weight = decode(value);
  if (options.method === 'gptq') {
    if (options.calibration === undefined) {
      throw new WhittleError('invalid-argument', `GPTQ needs calibration inputs for ${JSON.stringify(name)}`, { field: `calibration.${name}` });
    }
    const hessian = isHessian(options.calibration) ? options.calibration : hostHessian(options.calibration, weight.shape[0]!, name);
    const { encoding } = gptqQuantizeWithHessian(weight, hessian, {
      bits: MATMUL_NBITS_BITS,
      groupSize: options.blockSize,
      symmetric: options.symmetric,
      scaleDType: options.scaleDType,
    });
    return encoding;
  }
  return quantizeAffine(weight, {
    bits: MATMUL_NBITS_BITS,
    symmetric: options.symmetric,
    granularity: { kind: 'group', axis: 0, size: options.blockSize },
    scaleDType: options.scaleDType,
  });
}
