/**
 * The nodes that stand for one Conv under dynamic quantization, as onnxruntime's dynamic
 * quantizer writes them: ConvInteger on the uint8 activation and weight, a Cast to float, a Mul
 * by the product of the two scales, and the bias added last.
 */
import { create } from '@bufbuild/protobuf';
import { NodeProtoSchema, TensorProto_DataType as DataType, TensorProtoSchema, type NodeProto, type TensorProto } from '../proto/onnx_pb.ts';
import { castToFloat } from './cast-to-float.ts';

/** The tensors that hold a quantized value: its codes, scale and zero point. */
export interface QuantizedNames {
  readonly data: string;
  readonly scale: string;
  readonly zeroPoint: string;
  /** For a weight: its rank and its first dimension (a Conv's output channels). */
  readonly rank?: number;
  readonly channels?: number;
}

/** What {@link convIntegerNodes} needs: the Conv, its quantized activation and weight, and a name source. */
export interface ConvIntegerInput {
  readonly node: NodeProto;
  readonly name: string;
  readonly activation: QuantizedNames;
  readonly weight: QuantizedNames;
  /** A tensor name not used in the graph yet, built from `base`. */
  readonly fresh: (base: string) => string;
}

/**
 * True for a standard ONNX Conv.
 *
 * @example
 * ```ts
 * isConv(node); // true for { opType: 'Conv', domain: '' }
 * ```
 */
export function isConv(node: NodeProto): boolean {
  return node.opType === 'Conv' && (node.domain === '' || node.domain === 'ai.onnx');
}

/**
 * The nodes (and the one int64 shape initializer a bias needs) replacing a Conv: every attribute
 * of the Conv (pads, strides, dilations, group, kernel_shape, auto_pad) carries over to
 * ConvInteger, which takes the same ones.
 *
 * @example
 * ```ts
 * const { nodes, initializers } = convIntegerNodes({ node, name: 'conv1', activation, weight, fresh });
 * ```
 */
export function convIntegerNodes(input: ConvIntegerInput): { readonly nodes: NodeProto[]; readonly initializers: TensorProto[] } {
  const { node, name, activation, weight, fresh } = input;
  const output = node.output[0]!;
  const bias = node.input[2] ?? '';
  const integer = fresh(`${output}_int32`);
  const float = fresh(`${output}_float`);
  const scale = fresh(`${output}_scale`);
  const scaled = bias === '' ? output : fresh(`${output}_without_bias`);
  const nodes = [
    create(NodeProtoSchema, {
      name: `${name}::integer`,
      opType: 'ConvInteger',
      input: [activation.data, weight.data, activation.zeroPoint, weight.zeroPoint],
      output: [integer],
      attribute: node.attribute,
    }),
    castToFloat(`${name}::cast`, integer, float),
    create(NodeProtoSchema, { name: `${name}::scales`, opType: 'Mul', input: [activation.scale, weight.scale], output: [scale] }),
    create(NodeProtoSchema, { name: bias === '' ? name : `${name}::scale`, opType: 'Mul', input: [float, scale], output: [scaled] }),
  ];
  if (bias === '') return { nodes, initializers: [] };
  // The bias [M] meets an output [N, M, spatial...]: it broadcasts as [1, M, 1, ...].
  const shapeName = fresh(`${bias}_channel_shape`);
  const reshaped = fresh(`${bias}_by_channel`);
  const shape = [1, weight.channels!, ...Array.from({ length: weight.rank! - 2 }, () => 1)];
  const initializers = [create(TensorProtoSchema, { name: shapeName, dims: [BigInt(shape.length)], dataType: DataType.INT64, int64Data: shape.map(BigInt) })];
  nodes.push(
    create(NodeProtoSchema, { name: `${name}::bias_shape`, opType: 'Reshape', input: [bias, shapeName], output: [reshaped] }),
    create(NodeProtoSchema, { name, opType: 'Add', input: [scaled, reshaped], output: [output] }),
  );
  return { nodes, initializers };
}
