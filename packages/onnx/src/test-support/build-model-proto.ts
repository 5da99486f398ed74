/**
 * Small ONNX models built in the tests, never downloaded: a plain description turned into a
 * `ModelProto` with the generated schema, so tests state the graph they run.
 */
import { create } from '@bufbuild/protobuf';
import type { HostTensor } from '@whittle/core';
import {
  AttributeProto_AttributeType as AttributeType,
  AttributeProtoSchema,
  ModelProtoSchema,
  type AttributeProto,
  type ModelProto,
  type TensorProto,
  TensorProtoSchema,
} from '../proto/onnx_pb.ts';
import { onnxDataType } from '../tensor/onnx-dtypes.ts';
import { tensorBytes } from '../model/write-onnx-model.ts';

/** A graph input or output: a name, dims (a string for a symbolic dim) and an ONNX type. */
export interface ValueSpec {
  readonly name: string;
  readonly dims: readonly (number | string)[];
  /** ONNX element type; FLOAT (1) when absent. */
  readonly type?: number;
}

/** One node; attribute values are ints, floats (`{ float: x }`), int lists or strings. */
export interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, number | { float: number } | readonly number[] | string>>;
  readonly domain?: string;
  readonly name?: string;
}

/** A whole test model. */
export interface ModelSpec {
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
  readonly nodes: readonly NodeSpec[];
  readonly initializers: Readonly<Record<string, HostTensor>>;
  /** Extra initializers in raw ONNX form (int64 shapes). */
  readonly rawInitializers?: readonly TensorProto[];
  readonly opset?: number;
  readonly extraOpsets?: readonly { domain: string; version: number }[];
}

/**
 * The `ModelProto` of `spec` (IR version 10, default opset 21).
 *
 * @example
 * ```ts
 * const bytes = encodeModelProto(buildModelProto(mlpSpec()));
 * ```
 */
export function buildModelProto(spec: ModelSpec): ModelProto {
  const valueInfo = (value: ValueSpec) => ({
    name: value.name,
    type: {
      value: {
        case: 'tensorType' as const,
        value: {
          elemType: value.type ?? 1,
          shape: {
            dim: value.dims.map((dim) => ({ value: typeof dim === 'number' ? { case: 'dimValue' as const, value: BigInt(dim) } : { case: 'dimParam' as const, value: dim } })),
          },
        },
      },
    },
  });
  return create(ModelProtoSchema, {
    irVersion: 10n,
    producerName: 'whittle-tests',
    opsetImport: [{ domain: '', version: BigInt(spec.opset ?? 21) }, ...(spec.extraOpsets ?? []).map(({ domain, version }) => ({ domain, version: BigInt(version) }))],
    graph: {
      name: 'test',
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: [
        ...Object.entries(spec.initializers).map(([name, tensor]) => tensorProto(name, tensor)),
        ...(spec.rawInitializers ?? []),
      ],
      node: spec.nodes.map((node, index) => ({
        opType: node.op,
        domain: node.domain ?? '',
        name: node.name ?? `${node.op.toLowerCase()}_${index}`,
        input: [...node.inputs],
        output: [...node.outputs],
        attribute: Object.entries(node.attributes ?? {}).map(([name, value]) => attribute(name, value)),
      })),
    },
  });
}

/**
 * A TensorProto holding `tensor` in raw_data.
 *
 * @example
 * ```ts
 * tensorProto('w', hostTensor('float32', [2, 2]));
 * ```
 */
export function tensorProto(name: string, tensor: HostTensor): TensorProto {
  return create(TensorProtoSchema, { name, dims: tensor.shape.map(BigInt), dataType: onnxDataType(tensor.dtype), rawData: tensorBytes(tensor).slice() });
}

/**
 * An INT64 TensorProto (shapes, axes).
 *
 * @example
 * ```ts
 * int64Tensor('axes', [1]);
 * ```
 */
export function int64Tensor(name: string, values: readonly number[], dims: readonly number[] = [values.length]): TensorProto {
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: 7, int64Data: values.map(BigInt) });
}

function attribute(name: string, value: number | { float: number } | readonly number[] | string): AttributeProto {
  if (typeof value === 'string') return create(AttributeProtoSchema, { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) });
  if (typeof value === 'number') return create(AttributeProtoSchema, { name, type: AttributeType.INT, i: BigInt(value) });
  if (Array.isArray(value)) return create(AttributeProtoSchema, { name, type: AttributeType.INTS, ints: value.map(BigInt) });
  return create(AttributeProtoSchema, { name, type: AttributeType.FLOAT, f: (value as { float: number }).float });
}
