import { createModel, decode, hostTensor, type Model } from '@whittle/core';
import { quantizeAffine } from '@whittle/quantize';
import { describe, expect, test } from 'vitest';
import { decodeModelProto, encodeModelProto } from '../protobuf/decode-model-proto.ts';
import { readOnnxModel } from '../model/read-onnx-model.ts';
import { writeOnnxModel } from '../model/write-onnx-model.ts';
import { convertToFloat16 } from '../fp16/convert-float16.ts';
import { buildModelProto, TEST_MODELS } from '../test-support/test-models.ts';
import type { ModelSpec } from '../test-support/build-model-proto.ts';
import { randomFloats, runOnnx } from '../test-support/run-onnx.ts';
import { quantizeMatMulsToNBits } from './quantize-matmul-nbits.ts';

/** x[rows, k] → MatMul(w [k, n]) → y: one MatMul, so the error bound is plain. */
function singleMatMul(k: number, n: number, seed: number): ModelSpec {
  return {
    inputs: [{ name: 'x', dims: ['rows', k] }],
    outputs: [{ name: 'y', dims: ['rows', n] }],
    initializers: { w: hostTensor('float32', [k, n], randomFloats(k * n, seed, 0.5)) },
    nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
  };
}

/** The same model with each quantized weight replaced by its plain decoded values. */
function dequantizedModel(model: Model, encodings: ReadonlyMap<string, Parameters<typeof decode>[0]>): Model {
  const params = [...model.params.values()].map((param) => (encodings.has(param.name) ? { ...param, value: { kind: 'dense' as const, tensor: decode(encodings.get(param.name)!) } } : param));
  return createModel({ format: 'onnx', topology: model.topology, params });
}

const maxAbs = (values: Float32Array): number => values.reduce((largest, value) => Math.max(largest, Math.abs(value)), 0);

describe('quantizeMatMulsToNBits', () => {
  test.each([
    { k: 64, n: 24, blockSize: 32, symmetric: true },
    { k: 40, n: 7, blockSize: 16, symmetric: true },
    { k: 72, n: 5, blockSize: 32, symmetric: false },
    { k: 128, n: 3, blockSize: 64, symmetric: false },
  ])('MatMulNBits equals MatMul on the dequantized weights in onnxruntime: %o', async ({ k, n, blockSize, symmetric }) => {
    const source = encodeModelProto(buildModelProto(singleMatMul(k, n, k + n)));
    const model = await readOnnxModel(source);
    const result = await quantizeMatMulsToNBits(model, { blockSize, symmetric });
    const written = await writeOnnxModel(result.model);
    const graph = decodeModelProto(written).graph!;
    expect(graph.node.map((node) => `${node.domain}.${node.opType}`)).toEqual(['com.microsoft.MatMulNBits']);
    expect(graph.initializer.map((tensor) => [tensor.name, tensor.dims.map(Number)])).toEqual([
      ['w_Q4', [n, Math.ceil(k / blockSize), blockSize / 2]],
      ['w_scales', [n * Math.ceil(k / blockSize)]],
      ...(symmetric ? [] : [['w_zp', [n * Math.ceil(Math.ceil(k / blockSize) / 2)]]]),
    ]);
    const reference = await writeOnnxModel(dequantizedModel(model, result.encodings));
    const feeds = { x: { dims: [3, k], data: randomFloats(3 * k, 7) } };
    const expected = (await runOnnx(reference, feeds)).y!.data as Float32Array;
    const actual = (await runOnnx(written, feeds)).y!.data as Float32Array;
    const tolerance = 1e-5 * Math.max(1, maxAbs(expected));
    actual.forEach((value, index) => expect(Math.abs(value - expected[index]!)).toBeLessThan(tolerance));

    // Against float32: each output moves by at most Σ_k |x_k| · |scale_k| / 2, or a whole step
    // on the symmetric (signed-extreme) grid, where a weight of the sign opposite to its group's
    // extreme and as large clips to the last code. Scales of that grid carry the extreme's sign.
    const float = (await runOnnx(source, feeds)).y!.data as Float32Array;
    const encoding = result.encodings.get('w')!;
    const scales = decode({ kind: 'dense', tensor: encoding.scales } as never).data as Float32Array;
    const x = feeds.x.data;
    for (let row = 0; row < 3; row++) {
      for (let column = 0; column < n; column++) {
        let bound = 0;
        const step = symmetric ? 1 : 1 / 2;
        for (let inner = 0; inner < k; inner++) bound += Math.abs(x[row * k + inner]!) * Math.abs(scales[Math.floor(inner / blockSize) * n + column]!) * step;
        expect(Math.abs(actual[row * n + column]! - float[row * n + column]!)).toBeLessThanOrEqual(bound + 1e-5);
      }
    }
  });

  test('the attention block: every weight MatMul rewritten, activation MatMuls kept, outputs near float32', async () => {
    const spec = TEST_MODELS.attention();
    const source = encodeModelProto(buildModelProto(spec));
    const result = await quantizeMatMulsToNBits(await readOnnxModel(source), { blockSize: 16 });
    const proto = decodeModelProto(await writeOnnxModel(result.model));
    expect(proto.opsetImport.map((opset) => [opset.domain, opset.version])).toContainEqual(['com.microsoft', 1n]);
    const ops = proto.graph!.node.map((node) => node.opType);
    expect(ops.filter((op) => op === 'MatMulNBits')).toHaveLength(4);
    expect(ops.filter((op) => op === 'MatMul')).toHaveLength(2);
    const feeds = { x: { dims: [1, 4, 16], data: randomFloats(64, 3) } };
    const expected = (await runOnnx(source, feeds)).y!.data as Float32Array;
    const actual = (await runOnnx(await writeOnnxModel(result.model), feeds)).y!.data as Float32Array;
    const error = Math.sqrt(actual.reduce((sum, value, index) => sum + (value - expected[index]!) ** 2, 0) / actual.length);
    // 4-bit weights of a 0.3-scale uniform matrix: an RMS step near 0.3 / 7 / √12 per weight.
    expect(error).toBeGreaterThan(0);
    expect(error).toBeLessThan(0.1 * Math.sqrt(expected.reduce((sum, value) => sum + value * value, 0) / expected.length));
  });

  test('q4f16: MatMulNBits in float16 runs, scales float16, outputs float32', async () => {
    const source = encodeModelProto(buildModelProto(TEST_MODELS.mlp()));
    const q4 = await quantizeMatMulsToNBits(await readOnnxModel(source), { blockSize: 16 });
    const half = convertToFloat16(q4.model).model;
    const written = await writeOnnxModel(half);
    const graph = decodeModelProto(written).graph!;
    expect(graph.initializer.find((tensor) => tensor.name === 'w1_scales')!.dataType).toBe(10);
    const feeds = { x: { dims: [2, 8], data: randomFloats(16, 5) } };
    const expected = (await runOnnx(await writeOnnxModel(q4.model), feeds)).y!.data as Float32Array;
    const actual = (await runOnnx(written, feeds)).y!.data as Float32Array;
    expect(actual).toBeInstanceOf(Float32Array);
    actual.forEach((value, index) => expect(Math.abs(value - expected[index]!)).toBeLessThan(2e-2 * Math.max(1, maxAbs(expected))));
  });

  test('a weight already 4-bit affine by block along K is written as it is', async () => {
    const model = await readOnnxModel(encodeModelProto(buildModelProto(singleMatMul(32, 4, 9))));
    const weight = decode(model.params.get('w')!.value);
    const encoding = quantizeAffine(weight, { bits: 4, symmetric: false, granularity: { kind: 'group', axis: 0, size: 32 }, scaleDType: 'float32' });
    const encoded = createModel({ format: 'onnx', topology: model.topology, params: [{ ...model.params.get('w')!, value: encoding }] });
    const result = await quantizeMatMulsToNBits(encoded);
    expect(result.encodings.get('w')).toBe(encoding);
  });

  test('GPTQ with calibration runs as MatMulNBits and moves calibration outputs less than round to nearest', async () => {
    const k = 64;
    const n = 16;
    const source = encodeModelProto(buildModelProto(singleMatMul(k, n, 21)));
    const model = await readOnnxModel(source);
    // Correlated inputs, where GPTQ's error feedback pays: each row a mix of a few directions.
    const samples = 256;
    const basis = randomFloats(4 * k, 22);
    const mix = randomFloats(samples * 4, 23);
    const inputs = new Float32Array(samples * k);
    for (let sample = 0; sample < samples; sample++) {
      for (let inner = 0; inner < k; inner++) {
        let value = 0;
        for (let direction = 0; direction < 4; direction++) value += mix[sample * 4 + direction]! * basis[direction * k + inner]!;
        inputs[sample * k + inner] = value;
      }
    }
    const calibration = new Map([['w', hostTensor('float32', [samples, k], inputs)]]);
    const gptq = await quantizeMatMulsToNBits(model, { method: 'gptq', calibration, blockSize: 32 });
    const rtn = await quantizeMatMulsToNBits(model, { blockSize: 32 });
    const feeds = { x: { dims: [samples, k], data: inputs } };
    const float = (await runOnnx(source, feeds)).y!.data as Float32Array;
    const squaredError = async (quantized: Model) => {
      const output = (await runOnnx(await writeOnnxModel(quantized), feeds)).y!.data as Float32Array;
      return output.reduce((sum, value, index) => sum + (value - float[index]!) ** 2, 0);
    };
    expect(await squaredError(gptq.model)).toBeLessThan(0.8 * (await squaredError(rtn.model)));
  });

  test('k-means is refused as not representable, and a bad block size is named', async () => {
    const model = await readOnnxModel(encodeModelProto(buildModelProto(TEST_MODELS.mlp())));
    await expect(quantizeMatMulsToNBits(model, { method: 'kmeans' })).rejects.toThrow(/k-means.*not representable/);
    await expect(quantizeMatMulsToNBits(model, { blockSize: 24 })).rejects.toMatchObject({ code: 'invalid-argument', field: 'blockSize' });
    await expect(quantizeMatMulsToNBits(model, { method: 'gptq' })).rejects.toThrow(/calibration/);
  });
});
