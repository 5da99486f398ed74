import { createModel, decode, type Encoding, type Model } from '@whittle/core';
import { describe, expect, test } from 'vitest';
import { decodeModelProto, encodeModelProto } from '../protobuf/decode-model-proto.ts';
import { readOnnxModel } from '../model/read-onnx-model.ts';
import { writeOnnxModel } from '../model/write-onnx-model.ts';
import { buildModelProto, TEST_MODELS } from '../test-support/test-models.ts';
import { randomFloats, runOnnx } from '../test-support/run-onnx.ts';
import { quantizeDynamic } from './quantize-dynamic.ts';

function dequantizedModel(model: Model, encodings: ReadonlyMap<string, Encoding>): Model {
  const params = [...model.params.values()].map((param) => (encodings.has(param.name) ? { ...param, value: { kind: 'dense' as const, tensor: decode(encodings.get(param.name)!) } } : param));
  return createModel({ format: 'onnx', topology: model.topology, params });
}

const rms = (values: Float32Array): number => Math.sqrt(values.reduce((sum, value) => sum + value * value, 0) / values.length);

describe('quantizeDynamic', () => {
  test.each([
    { weightType: 'int8', perChannel: false },
    { weightType: 'uint8', perChannel: false },
    { weightType: 'int8', perChannel: true },
    { weightType: 'uint8', perChannel: true },
  ] as const)('%o: DynamicQuantizeLinear + MatMulInteger runs in onnxruntime within 8-bit error of the dequantized weights', async (options) => {
    const source = encodeModelProto(buildModelProto(TEST_MODELS.attention()));
    const model = await readOnnxModel(source);
    const result = quantizeDynamic(model, options);
    expect(result.nodes).toHaveLength(4);
    const written = await writeOnnxModel(result.model);
    const ops = decodeModelProto(written).graph!.node.map((node) => node.opType);
    // q, k and v read the same activation: it is quantized once for them.
    expect(ops.filter((op) => op === 'DynamicQuantizeLinear')).toHaveLength(2);
    expect(ops.filter((op) => op === 'MatMulInteger')).toHaveLength(4);
    const feeds = { x: { dims: [1, 4, 16], data: randomFloats(64, 8) } };
    const reference = (await runOnnx(await writeOnnxModel(dequantizedModel(model, result.encodings)), feeds)).y!.data as Float32Array;
    const actual = (await runOnnx(written, feeds)).y!.data as Float32Array;
    const float = (await runOnnx(source, feeds)).y!.data as Float32Array;
    // Only the activations' uint8 rounding separates the two: a few 1/255 steps of their range.
    const difference = Float32Array.from(actual, (value, index) => value - reference[index]!);
    expect(rms(difference)).toBeLessThan(0.02 * rms(reference));
    const fromFloat = Float32Array.from(actual, (value, index) => value - float[index]!);
    expect(rms(fromFloat)).toBeGreaterThan(0);
    expect(rms(fromFloat)).toBeLessThan(0.03 * rms(float));
  });

  test('an unknown weight type is named', () => {
    const model = createModel({ format: 'onnx', topology: { proto: buildModelProto(TEST_MODELS.mlp()) }, params: [] });
    expect(() => quantizeDynamic(model, { weightType: 'int4' as never })).toThrow(expect.objectContaining({ field: 'weightType' }));
  });
});
