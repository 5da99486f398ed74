import { compress, createRecipeRegistry } from '@whittle/core';
import { describe, expect, test } from 'vitest';
import { decodeModelProto, encodeModelProto } from '../protobuf/decode-model-proto.ts';
import { readOnnxModel } from '../model/read-onnx-model.ts';
import { writeOnnxModel } from '../model/write-onnx-model.ts';
import { buildModelProto, TEST_MODELS } from '../test-support/test-models.ts';
import { randomFloats, runOnnx } from '../test-support/run-onnx.ts';
import { onnxHandlers } from './handlers.ts';
import { onnxFloat16 } from './fp16-step.ts';
import { onnxQ4 } from './q4-step.ts';
import { onnxQdq } from './qdq-step.ts';
import { onnxDynamic } from './dynamic-step.ts';

const registry = createRecipeRegistry(onnxHandlers);

describe('the onnx output steps through compress', () => {
  test('q4 then fp16 (q4f16) through compress writes a model onnxruntime runs near float32', async () => {
    const source = encodeModelProto(buildModelProto(TEST_MODELS.mlp()));
    const { model } = await compress(await readOnnxModel(source), [onnxQ4({ blockSize: 16, exclude: ['w2'] }), onnxFloat16()], { registry });
    const written = await writeOnnxModel(model);
    const ops = decodeModelProto(written).graph!.node.map((node) => node.opType);
    expect(ops.filter((op) => op === 'MatMulNBits')).toHaveLength(1);
    expect(ops.filter((op) => op === 'MatMul')).toHaveLength(1);
    const feeds = { x: { dims: [2, 8], data: randomFloats(16, 9) } };
    const expected = (await runOnnx(source, feeds)).y!.data as Float32Array;
    const actual = (await runOnnx(written, feeds)).y!.data as Float32Array;
    const scale = Math.max(1, ...Array.from(expected, Math.abs));
    actual.forEach((value, index) => expect(Math.abs(value - expected[index]!)).toBeLessThan(0.25 * scale));
  });

  test('onnx.qdq through compress: int8 per column behind DequantizeLinear', async () => {
    const source = encodeModelProto(buildModelProto(TEST_MODELS.mlp()));
    const { model } = await compress(await readOnnxModel(source), [onnxQdq({ bits: 8 })], { registry });
    const written = await writeOnnxModel(model);
    expect(decodeModelProto(written).graph!.node.filter((node) => node.opType === 'DequantizeLinear')).toHaveLength(2);
    const feeds = { x: { dims: [2, 8], data: randomFloats(16, 4) } };
    const expected = (await runOnnx(source, feeds)).y!.data as Float32Array;
    const actual = (await runOnnx(written, feeds)).y!.data as Float32Array;
    actual.forEach((value, index) => expect(Math.abs(value - expected[index]!)).toBeLessThan(0.05));
  });

  test('onnx.dynamic through compress: uint8 MatMulInteger', async () => {
    const source = encodeModelProto(buildModelProto(TEST_MODELS.mlp()));
    const { model } = await compress(await readOnnxModel(source), [onnxDynamic({ weightType: 'uint8' })], { registry });
    const written = await writeOnnxModel(model);
    expect(decodeModelProto(written).graph!.node.filter((node) => node.opType === 'MatMulInteger')).toHaveLength(2);
    const feeds = { x: { dims: [2, 8], data: randomFloats(16, 6) } };
    const expected = (await runOnnx(source, feeds)).y!.data as Float32Array;
    const actual = (await runOnnx(written, feeds)).y!.data as Float32Array;
    actual.forEach((value, index) => expect(Math.abs(value - expected[index]!)).toBeLessThan(0.1));
  });

  test.each([
    [{ kind: 'onnx.dynamic', weightType: 'int4' }, 'weightType'],
    [{ kind: 'onnx.dynamic', perChannel: 1 }, 'perChannel'],
    [{ kind: 'onnx.qdq', bits: 2 }, 'bits'],
    [{ kind: 'onnx.qdq', bits: 4, blockSize: -1 }, 'blockSize'],
    [{ kind: 'onnx.q4', blockSize: 20 }, 'blockSize'],
    [{ kind: 'onnx.q4', symmetric: 'yes' }, 'symmetric'],
    [{ kind: 'onnx.q4', exclude: [3] }, 'exclude'],
    [{ kind: 'onnx.q4', bits: 3 }, 'bits'],
  ])('a bad step %o names %s', async (step, field) => {
    const model = await readOnnxModel(encodeModelProto(buildModelProto(TEST_MODELS.mlp())));
    await expect(compress(model, [step as never], { registry })).rejects.toThrow(expect.objectContaining({ field: expect.stringContaining(field) }));
  });
});
