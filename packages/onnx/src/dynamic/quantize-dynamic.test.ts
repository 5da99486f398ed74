import { createModel, decode, type Encoding, type Model } from '@whittle/core';
import { describe, expect, test } from 'vitest';
import { decodeModelProto, encodeModelProto } from '../protobuf/decode-model-proto.ts';
import { readOnnxModel } from '../model/read-onnx-model.ts';
import { writeOnnxModel } from '../model/write-onnx-model.ts';
import { hostTensor } from '@whittle/core';
import type { ModelSpec } from '../test-support/build-model-proto.ts';
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

  /** Two convolutions: 3→8 channels with a bias, stride 2 and pads; then a grouped 8→8 (group 2) without one. */
  function convNet(): ModelSpec {
    const weights = (shape: number[], seed: number) => hostTensor('float32', shape, randomFloats(shape.reduce((a, b) => a * b, 1), seed, 0.4));
    return {
      inputs: [{ name: 'image', dims: [2, 3, 12, 12] }],
      outputs: [{ name: 'features', dims: [2, 8, 6, 6] }],
      initializers: { k1: weights([8, 3, 3, 3], 51), b1: weights([8], 52), k2: weights([8, 4, 3, 3], 53) },
      nodes: [
        { op: 'Conv', inputs: ['image', 'k1', 'b1'], outputs: ['c1'], name: 'conv1', attributes: { pads: [1, 1, 1, 1], strides: [2, 2], kernel_shape: [3, 3] } },
        { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
        { op: 'Conv', inputs: ['r1', 'k2'], outputs: ['features'], name: 'conv2', attributes: { pads: [1, 1, 1, 1], group: 2 } },
      ],
    };
  }

  test.each([
    { name: 'conv net', spec: convNet, input: 'image', dims: [2, 3, 12, 12], output: 'features', rewrites: 2, convs: 2 },
    { name: 'conv, batch norm and MatMul head', spec: TEST_MODELS.conv, input: 'x', dims: [1, 3, 8, 8], output: 'y', rewrites: 2, convs: 1 },
  ])('$name: ConvInteger with uint8 weights runs in onnxruntime close to float32', async ({ spec, input, dims, output, rewrites, convs }) => {
    const source = encodeModelProto(buildModelProto(spec()));
    const model = await readOnnxModel(source);
    for (const weightType of ['int8', 'uint8'] as const) {
      const result = quantizeDynamic(model, { weightType });
      expect(result.nodes).toHaveLength(rewrites);
      const written = await writeOnnxModel(result.model);
      const graph = decodeModelProto(written).graph!;
      const ops = graph.node.map((node) => node.opType);
      expect(ops).not.toContain('Conv');
      expect(ops.filter((op) => op === 'ConvInteger')).toHaveLength(convs);
      // Every ConvInteger weight is uint8 (the form every onnxruntime build has a kernel for), whatever the MatMuls get.
      for (const node of graph.node.filter((candidate) => candidate.opType === 'ConvInteger')) {
        expect(graph.initializer.find((tensor) => tensor.name === node.input[1])!.dataType).toBe(2);
      }
      const count = dims.reduce((a, b) => a * b, 1);
      const feeds = { [input]: { dims, data: randomFloats(count, 17) } };
      const float = (await runOnnx(source, feeds))[output]!.data as Float32Array;
      const reference = (await runOnnx(await writeOnnxModel(dequantizedModel(model, result.encodings)), feeds))[output]!.data as Float32Array;
      const actual = (await runOnnx(written, feeds))[output]!.data as Float32Array;
      expect(actual).toHaveLength(float.length);
      const difference = Float32Array.from(actual, (value, index) => value - reference[index]!);
      expect(rms(difference)).toBeLessThan(0.03 * rms(reference));
      const fromFloat = Float32Array.from(actual, (value, index) => value - float[index]!);
      expect(rms(fromFloat)).toBeGreaterThan(0);
      expect(rms(fromFloat)).toBeLessThan(0.04 * rms(float));
    }
  });

  test('a plain reference convolution agrees with the ConvInteger model on one channel', async () => {
    // One 1×1×4×4 image, one 3×3 kernel, no padding: the 2×2 output written out by hand.
    const image = Float32Array.from({ length: 16 }, (_, index) => Math.sin(index + 1));
    const kernel = Float32Array.from({ length: 9 }, (_, index) => Math.cos(index * 0.7) * 0.5);
    const spec: ModelSpec = {
      inputs: [{ name: 'x', dims: [1, 1, 4, 4] }],
      outputs: [{ name: 'y', dims: [1, 1, 2, 2] }],
      initializers: { k: hostTensor('float32', [1, 1, 3, 3], kernel), b: hostTensor('float32', [1], new Float32Array([0.25])) },
      nodes: [{ op: 'Conv', inputs: ['x', 'k', 'b'], outputs: ['y'] }],
    };
    const expected = [0, 1, 2, 3].map((position) => {
      const [row, column] = [Math.floor(position / 2), position % 2];
      let sum = 0.25;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) sum += image[(row + i) * 4 + column + j]! * kernel[i * 3 + j]!;
      return sum;
    });
    const model = await readOnnxModel(encodeModelProto(buildModelProto(spec)));
    const actual = (await runOnnx(await writeOnnxModel(quantizeDynamic(model).model), { x: { dims: [1, 1, 4, 4], data: image } })).y!.data as Float32Array;
    // Two 8-bit roundings (activation range 2, weight range 1) over nine products.
    actual.forEach((value, index) => expect(Math.abs(value - expected[index]!)).toBeLessThan(0.05));
  });

  test('convolutions: false leaves Convs in float', async () => {
    const model = await readOnnxModel(encodeModelProto(buildModelProto(TEST_MODELS.conv())));
    const result = quantizeDynamic(model, { convolutions: false });
    expect(result.nodes).toHaveLength(1);
    expect(decodeModelProto(await writeOnnxModel(result.model)).graph!.node.map((node) => node.opType)).toContain('Conv');
  });
});
