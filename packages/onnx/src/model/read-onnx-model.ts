import { createModel, WhittleError, type Model, type ParamInit } from '@whittle/core';
import { decodeModelProto } from '../protobuf/decode-model-proto.ts';
import type { GraphProto, ModelProto, TensorProto } from '../proto/onnx_pb.ts';
import { dataTypeName, dtypeFromOnnx, packedByteCount } from '../tensor/onnx-dtypes.ts';
import { isExternal, readTensor } from '../tensor/read-tensor.ts';
import { elementCount, tensorShape } from '../tensor/tensor-shape.ts';
import { externalReference, type ExternalReference } from './external-reference.ts';
import { initializerRoles } from './initializer-roles.ts';

/**
 * Reads the bytes of one external tensor: `expected` is the byte count its dims and type need,
 * `field` names the initializer for errors.
 */
export type ExternalReader = (reference: ExternalReference, expected: number, field: string) => Promise<Uint8Array>;

/** Options for {@link readOnnxModel} and {@link onnxModelFromProto}. */
export interface ReadOnnxModelOptions {
  /** The file name errors name. */
  readonly file?: string;
  /** Reads external data; without it, a model with external data is refused. */
  readonly external?: ExternalReader;
}

/**
 * Reads an ONNX model from its protobuf bytes into a whittle {@link Model} of format `onnx`:
 * each initializer whittle has a dtype for becomes a param (role from the ops that consume it,
 * see `initializerRoles`; `layer` the first consuming node), and everything else stays in the
 * topology (see `OnnxTopology`). External data is read one tensor at a time through
 * `options.external`.
 *
 * @example
 * ```ts
 * const model = await readOnnxModel(await readFile('mlp.onnx'), { file: 'mlp.onnx' });
 * console.table(listParams(model));
 * ```
 */
export async function readOnnxModel(bytes: Uint8Array, options: ReadOnnxModelOptions = {}): Promise<Model> {
  return onnxModelFromProto(decodeModelProto(bytes, options.file), options);
}

/**
 * Like {@link readOnnxModel}, from a decoded `ModelProto` (not changed).
 *
 * @example
 * ```ts
 * const model = await onnxModelFromProto(decodeModelProto(bytes));
 * ```
 */
export async function onnxModelFromProto(proto: ModelProto, options: ReadOnnxModelOptions = {}): Promise<Model> {
  const file = options.file ?? '<memory>';
  const graph = proto.graph;
  if (graph === undefined) throw new WhittleError('malformed-file', 'the model has no graph', { file, field: 'graph' });
  const roles = initializerRoles(graph);
  const layers = firstConsumers(graph);
  const params: ParamInit[] = [];
  const initializers: TensorProto[] = [];
  const names = new Set<string>();
  for (const [index, tensor] of graph.initializer.entries()) {
    const field = `graph.initializer[${index}]`;
    if (tensor.name === '') throw new WhittleError('malformed-file', 'an initializer needs a name', { file, field: `${field}.name` });
    if (names.has(tensor.name)) {
      throw new WhittleError('malformed-file', `the initializer name ${JSON.stringify(tensor.name)} is used twice`, { file, field: `${field}.name` });
    }
    names.add(tensor.name);
    const external = isExternal(tensor) ? await readExternal(tensor, file, field, options.external) : undefined;
    if (dtypeFromOnnx(tensor.dataType) === undefined) {
      initializers.push(keptTensor(tensor, file, field, external));
      continue;
    }
    const value = readTensor(tensor, { file, field }, external);
    const layer = layers.get(tensor.name);
    params.push({ name: tensor.name, role: roles.get(tensor.name) ?? 'other', value: { kind: 'dense', tensor: value }, ...(layer === undefined ? {} : { layer }) });
    initializers.push(withoutData(tensor));
  }
  const topology = { proto: { ...proto, graph: { ...graph, initializer: initializers } as GraphProto } as ModelProto };
  return createModel({ format: 'onnx', topology, params });
}

async function readExternal(tensor: TensorProto, file: string, field: string, reader: ExternalReader | undefined): Promise<Uint8Array> {
  const reference = externalReference(tensor, file, field);
  const shape = tensorShape(tensor, file, `${field}.dims`);
  const expected = packedByteCount(tensor.dataType, elementCount(shape));
  if (expected === undefined) {
    throw new WhittleError('malformed-file', `external data of type ${dataTypeName(tensor.dataType)} is not supported`, { file, field: `${field}.data_type` });
  }
  if (reference.length !== undefined && reference.length !== expected) {
    throw new WhittleError('malformed-file', `length is ${reference.length} bytes; dims [${shape.join(', ')}] of ${dataTypeName(tensor.dataType)} need ${expected}`, { file, field: `${field}.external_data.length` });
  }
  if (reader === undefined) {
    throw new WhittleError('invalid-argument', 'the model keeps this tensor in an external file; read it with readOnnxFile', { file, field: `${field}.external_data` });
  }
  return reader(reference, expected, field);
}

/** A tensor whittle keeps verbatim, its length checked, external bytes brought inline. */
function keptTensor(tensor: TensorProto, file: string, field: string, external: Uint8Array | undefined): TensorProto {
  if (external !== undefined) return { ...tensor, rawData: external, dataLocation: 0, externalData: [] };
  if (tensor.rawData.byteLength > 0) {
    const shape = tensorShape(tensor, file, `${field}.dims`);
    const expected = packedByteCount(tensor.dataType, elementCount(shape));
    if (expected !== undefined && tensor.rawData.byteLength !== expected) {
      throw new WhittleError('malformed-file', `holds ${tensor.rawData.byteLength} bytes; dims [${shape.join(', ')}] of ${dataTypeName(tensor.dataType)} need ${expected}`, { file, field: `${field}.raw_data` });
    }
  }
  return tensor;
}

/** The initializer as the topology keeps it once its values are a param's. */
function withoutData(tensor: TensorProto): TensorProto {
  return { ...tensor, rawData: new Uint8Array(0), floatData: [], int32Data: [], int64Data: [], doubleData: [], uint64Data: [], stringData: [], dataLocation: 0, externalData: [] };
}

function firstConsumers(graph: GraphProto): Map<string, string> {
  const layers = new Map<string, string>();
  for (const node of graph.node) {
    for (const input of node.input) if (!layers.has(input) && node.name !== '') layers.set(input, node.name);
  }
  return layers;
}
