import { create } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType as AttributeType, AttributeProtoSchema, NodeProtoSchema, TensorProto_DataType as DataType, type NodeProto } from '../proto/onnx_pb.ts';

/**
 * A Cast node turning `input` (an integer accumulator) into float32.
 *
 * @example
 * ```ts
 * const cast = castToFloat('fc::cast', 'fc_int32', 'fc_float');
 * ```
 */
export function castToFloat(name: string, input: string, output: string): NodeProto {
  return create(NodeProtoSchema, {
    name,
    opType: 'Cast',
    input: [input],
    output: [output],
    attribute: [create(AttributeProtoSchema, { name: 'to', type: AttributeType.INT, i: BigInt(DataType.FLOAT) })],
  });
}
