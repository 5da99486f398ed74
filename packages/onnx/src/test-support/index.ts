/**
 * `@whittle/onnx/test`: small ONNX models built from plain descriptions (an MLP, a Gemm net, a
 * conv net, an attention block, a Gather embedding), for tests of code built on this package.
 */
export { buildModelProto, int64Tensor, tensorProto, type ModelSpec, type NodeSpec, type ValueSpec } from './build-model-proto.ts';
export { randomFloats } from './random-floats.ts';
export { attentionSpec, convSpec, embeddingSpec, gemmSpec, mlpSpec, TEST_MODELS } from './test-models.ts';
