import { createModel, decode, hostTensor, type Encoding, type Model } from '@whittle/core';
import { describe, expect, test } from 'vitest';
import { decodeModelProto, encodeModelProto } from '../protobuf/decode-model-proto.ts';
import { readOnnxModel } from '../model/read-onnx-model.ts';
import { writeOnnxModel } from '../model/write-onnx-model.ts';
import { TensorProto_DataType as DataType } from '../proto/onnx_pb.ts';
import { buildModelProto, TEST_MODELS } from '../test-support/test-models.ts';
import type { ModelSpec } from '../test-support/build-model-proto.ts';
import { randomFloats, runOnnx } from '../test-support/run-onnx.ts';
import { quantizeMatMulsToQdq } from './quantize-matmul-qdq.ts';

function singleMatMul(k: number, n: number, opset = 21): ModelSpec {
  return {
    inputs: [{ name: 'x', dims: ['rows', k] }],
    outputs: [{ name: 'y', dims: ['rows', n] }],
    initializers: { w: hostTensor('float32', [k, n], randomFloats(k * n, k * 31 + n, 0.5)) },
    nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
    opset,
  };
}

function dequantizedModel(model: Model, encodings: ReadonlyMap<string, Encoding>): Model {
  const params = [...model.params.values()].map((param) => (encodings.has(param.name) ? { ...param, value: { kind: 'dense' as const, tensor: decode(encodings.get(param.name)!) } } : param));
  return createModel({ format: 'onnx', topology: model.topology, params });
}

describe('quantizeMatMulsToQdq', () => {
  test.each([
    { bits: 4, blockSize: 32, symmetric: true, type: DataType.INT4 },
    { bits: 4, blockSize: 16, symmetric: false, type: DataType.UINT4 },
    { bits: 8, blockSize: undefined, symmetric: true, type: DataType.INT8 },
    { bits: 8, blockSize: undefined, symmetric: false, type: DataType.UINT8 },
    { bits: 8, blockSize: 32, symmetric: true, type: DataType.INT8 },
  ] as const)('DequantizeLinear feeding the MatMul equals MatMul on the dequantized weights in onnxruntime: %o', async ({ bits, blockSize, symmetric, type }) => {
    const k = 48;
    const n = 6;
    // An opset-17 model is raised to 21 for block_size and INT4.
    const source = encodeModelProto(buildModelProto(singleMatMul(k, n, 17)));
    const model = await readOnnxModel(source);
    const result = quantizeMatMulsToQdq(model, { bits, symmetric, ...(blockSize === undefined ? {} : { blockSize }) });
    const written = await writeOnnxModel(result.model);
    const proto = decodeModelProto(written);
    expect(proto.opsetImport[0]!.version).toBe(21n);
    expect(proto.graph!.node.map((node) => node.opType)).toEqual(['DequantizeLinear', 'MatMul']);
    const data = proto.graph!.initializer.find((tensor) => tensor.name === 'w_quantized')!;
    expect(data.dataType).toBe(type);
    expect(data.rawData.byteLength).toBe(bits === 4 ? (k * n) / 2 : k * n);
    // The model read back has the same initializers as written (INT4 kept verbatim).
    expect((await readOnnxModel(written)).params.has('w')).toBe(false);
    const feeds = { x: { dims: [4, k], data: randomFloats(4 * k, 5) } };
    const expected = (await runOnnx(await writeOnnxModel(dequantizedModel(model, result.encodings)), feeds)).y!.data as Float32Array;
    const actual = (await runOnnx(written, feeds)).y!.data as Float32Array;
    actual.forEach((value, index) => expect(Math.abs(value - expected[index]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected[index]!))));
    const float = (await runOnnx(source, feeds)).y!.data as Float32Array;
    const error = Math.max(...Array.from(actual, (value, index) => Math.abs(value - float[index]!)));
    // Each weight within half a step: step ≈ 1 / 7 (4 bits) or 1 / 127 (8 bits) of 0.5.
    expect(error).toBeLessThan(k * (0.5 / (bits === 4 ? 7 : 127)) * 0.5);
  });

  test('the attention block: weights dequantized, the activation MatMuls untouched', async () => {
    const model = await readOnnxModel(encodeModelProto(buildModelProto(TEST_MODELS.attention())));
    const result = quantizeMatMulsToQdq(model, { bits: 4, blockSize: 16 });
    expect([...result.encodings.keys()]).toEqual(['wq', 'wk', 'wv', 'wo']);
    const feeds = { x: { dims: [1, 4, 16], data: randomFloats(64, 2) } };
    const output = (await runOnnx(await writeOnnxModel(result.model), feeds)).y!.data as Float32Array;
    expect(output.every(Number.isFinite)).toBe(true);
  });

  test('bad bits and block sizes are named', () => {
    const model = createModel({ format: 'onnx', topology: { proto: buildModelProto(TEST_MODELS.mlp()) }, params: [] });
    expect(() => quantizeMatMulsToQdq(model, { bits: 3 as never })).toThrow(expect.objectContaining({ field: 'bits' }));
    expect(() => quantizeMatMulsToQdq(model, { bits: 4, blockSize: 0 })).toThrow(expect.objectContaining({ field: 'blockSize' }));
  });
});
