/**
 * `@whittle/onnx`: ONNX models as whittle models. Read and write `ModelProto` (external data
 * included), inspect a model, and convert it to float16; `@whittle/onnx/register` adds the
 * `onnx.*` recipe kinds to core's registry.
 */
export { decodeModelProto, encodeModelProto, MAX_PROTOBUF_BYTES } from './protobuf/decode-model-proto.ts';
export { DECODED_BYTES_ALLOWANCE, decodedBudget, MAX_MESSAGE_DEPTH, scanMessage } from './protobuf/scan-wire.ts';
export { dataTypeName, dtypeFromOnnx, onnxDataType, packedByteCount } from './tensor/onnx-dtypes.ts';
export { readTensor, type TensorLocation } from './tensor/read-tensor.ts';
export { externalReference, type ExternalReference } from './model/external-reference.ts';
export { initializerRoles } from './model/initializer-roles.ts';
export { onnxTopology, type OnnxTopology } from './model/onnx-topology.ts';
export { onnxModelFromProto, readOnnxModel, type ExternalReader, type ReadOnnxModelOptions } from './model/read-onnx-model.ts';
export { onnxProtoFromModel, tensorBytes, writeOnnxModel, type OnnxProtoOptions, type PlaceTensor } from './model/write-onnx-model.ts';
export { readOnnxFile, readOnnxProto, type ReadOnnxFileOptions } from './fs/read-onnx-file.ts';
export {
  EXTERNAL_DATA_THRESHOLD,
  MINIMUM_EXTERNAL_TENSOR_BYTES,
  writeOnnxFile,
  type OnnxFiles,
  type WriteOnnxFileOptions,
} from './fs/write-onnx-file.ts';
export { readOnnxGraph } from './graph/read-onnx-graph.ts';
export { formatOnnxInspection, inspectOnnx, type OnnxInspection, type QuantizableMatMul } from './inspect/inspect-onnx.ts';
export { convertToFloat16, type Float16Options, type Float16Result } from './fp16/convert-float16.ts';
export { elementTypes } from './fp16/element-types.ts';
export { FLOAT16_BLOCKED_OPS } from './fp16/float16-block-list.ts';
export { onnxFloat16, onnxFloat16Handler, type OnnxFloat16Step } from './recipes/fp16-step.ts';
export { onnxHandlers } from './recipes/handlers.ts';
export { MATMUL_NBITS_BITS, matMulNBitsWeights, type MatMulNBitsWeights } from './q4/matmul-nbits-weights.ts';
export { NBITS_METHODS, quantizeMatMulsToNBits, type MatMulNBitsOptions, type MatMulNBitsResult, type NBitsMethod } from './q4/quantize-matmul-nbits.ts';
export { hostHessian } from './q4/host-hessian.ts';
export { onnxQ4, onnxQ4Handler, type OnnxQ4Step } from './recipes/q4-step.ts';
export { QDQ_BITS, QDQ_OPSET, quantizeMatMulsToQdq, type QdqBits, type QdqOptions, type QdqResult } from './qdq/quantize-matmul-qdq.ts';
export { onnxQdq, onnxQdqHandler, type OnnxQdqStep } from './recipes/qdq-step.ts';
export { DYNAMIC_WEIGHT_TYPES, quantizeDynamic, type DynamicOptions, type DynamicResult, type DynamicWeightType } from './dynamic/quantize-dynamic.ts';
export { onnxDynamic, onnxDynamicHandler, type OnnxDynamicStep } from './recipes/dynamic-step.ts';
export * from './proto/onnx_pb.ts';
