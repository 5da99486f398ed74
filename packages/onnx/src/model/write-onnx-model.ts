import { decode, WhittleError, type HostTensor, type Model } from '@whittle/core';
import { encodeModelProto, MAX_PROTOBUF_BYTES } from '../protobuf/decode-model-proto.ts';
import { create } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  NodeProtoSchema,
  StringStringEntryProtoSchema,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from '../proto/onnx_pb.ts';
import { dtypeFromOnnx, onnxDataType } from '../tensor/onnx-dtypes.ts';
import type { ExternalReference } from './external-reference.ts';
import { onnxTopology } from './onnx-topology.ts';

/**
 * Decides where one initializer's bytes go: returns where it wrote them in an external file, or
 * undefined to keep them inline in the protobuf.
 */
export type PlaceTensor = (name: string, bytes: Uint8Array) => Promise<ExternalReference | undefined>;

/** Options for {@link onnxProtoFromModel}. */
export interface OnnxProtoOptions {
  /** Where each initializer's bytes go (see {@link PlaceTensor}); all inline when absent. */
  readonly place?: PlaceTensor;
  /**
   * Called for each param whose encoding ONNX has no form for here (affine, codebook, sparse,
   * low-rank) and which is therefore written decoded, as dense float32.
   */
  readonly onDecoded?: (name: string, kind: string) => void;
}

/**
 * The `ModelProto` of an `onnx` model: its topology with each param's values in its
 * initializer, every other field as it was read. A param stored in a dtype other than its
 * initializer's declared `data_type` (a `cast` step's float16 weights under a float32 graph)
 * is written in its stored dtype under the name `<name>::<dtype>`, with a Cast node to the
 * declared type producing the name the graph uses. Params in encodings other than dense are
 * decoded first (see {@link OnnxProtoOptions.onDecoded}): the file then holds their values, not
 * their compressed form. A param the topology has no initializer for, or an initializer without its
 * param, is an `invalid-model` WhittleError.
 *
 * @example
 * ```ts
 * const proto = await onnxProtoFromModel(model);
 * ```
 */
export async function onnxProtoFromModel(model: Model, options: OnnxProtoOptions = {}): Promise<ModelProto> {
  const { proto } = onnxTopology(model);
  const graph = proto.graph as GraphProto;
  const declared = new Set(graph.initializer.map((tensor) => tensor.name));
  for (const name of model.params.keys()) {
    if (!declared.has(name)) throw new WhittleError('invalid-model', `the param has no initializer in the ONNX graph`, { field: `params.${name}` });
  }
  const initializers: TensorProto[] = [];
  const casts: NodeProto[] = [];
  for (const tensor of graph.initializer) {
    const param = model.params.get(tensor.name);
    if (param === undefined) {
      if (dtypeFromOnnx(tensor.dataType) !== undefined && isEmpty(tensor)) {
        throw new WhittleError('invalid-model', `the initializer ${JSON.stringify(tensor.name)} has no param`, { field: 'params' });
      }
      initializers.push(tensor);
      continue;
    }
    // A dense param keeps its own dtype; `decode` would widen float16 to float32.
    if (param.value.kind !== 'dense') options.onDecoded?.(param.name, param.value.kind);
    const values = param.value.kind === 'dense' ? param.value.tensor : decode(param.value);
    const dataType = onnxDataType(values.dtype);
    const stored = dataType === tensor.dataType ? tensor.name : `${tensor.name}::${values.dtype}`;
    if (stored !== tensor.name) casts.push(castNode(stored, tensor.name, tensor.dataType));
    const bytes = tensorBytes(values);
    const reference = options.place === undefined ? undefined : await options.place(stored, bytes);
    initializers.push({
      ...tensor,
      name: stored,
      dataType,
      dims: values.shape.map(BigInt),
      ...(reference === undefined ? { rawData: bytes } : { dataLocation: 1, externalData: externalEntries(reference) }),
    });
  }
  return { ...proto, graph: { ...graph, initializer: initializers, node: [...casts, ...graph.node] } as GraphProto } as ModelProto;
}

/**
 * The protobuf bytes of an `onnx` model, every initializer inline (see
 * {@link onnxProtoFromModel}). Over protobuf's 2 GiB limit it is an `invalid-argument`
 * WhittleError saying to write a file with external data (`writeOnnxFile`).
 *
 * @example
 * ```ts
 * await writeFile('out.onnx', await writeOnnxModel(model));
 * ```
 */
export async function writeOnnxModel(model: Model): Promise<Uint8Array> {
  const bytes = encodeModelProto(await onnxProtoFromModel(model));
  if (bytes.byteLength > MAX_PROTOBUF_BYTES) {
    throw new WhittleError('invalid-argument', 'the model is over protobuf\'s 2 GiB limit; write it with writeOnnxFile, which moves weights to external data', { field: 'model' });
  }
  return bytes;
}

/** The bytes of a tensor's values, little-endian as ONNX raw_data keeps them. */
export function tensorBytes(tensor: HostTensor): Uint8Array {
  const { data } = tensor;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function externalEntries(reference: ExternalReference): TensorProto['externalData'] {
  const entries: [string, string][] = [
    ['location', reference.location],
    ['offset', String(reference.offset)],
  ];
  if (reference.length !== undefined) entries.push(['length', String(reference.length)]);
  if (reference.checksum !== undefined) entries.push(['checksum', reference.checksum]);
  return entries.map(([key, value]) => create(StringStringEntryProtoSchema, { key, value }));
}

function castNode(input: string, output: string, to: number): NodeProto {
  return create(NodeProtoSchema, {
    input: [input],
    output: [output],
    name: `${output}::cast`,
    opType: 'Cast',
    attribute: [create(AttributeProtoSchema, { name: 'to', type: AttributeProto_AttributeType.INT, i: BigInt(to) })],
  });
}

function isEmpty(tensor: TensorProto): boolean {
  return tensor.rawData.byteLength === 0 && tensor.dataLocation === 0 && tensor.floatData.length + tensor.int32Data.length + tensor.doubleData.length === 0 && tensor.dims.every((dimension) => dimension !== 0n);
}
