import { hostTensor } from '@whittle/core';
import { describe, expect, test } from 'vitest';
import { decodeModelProto, encodeModelProto } from '../protobuf/decode-model-proto.ts';
import { readOnnxModel } from '../model/read-onnx-model.ts';
import { writeOnnxModel } from '../model/write-onnx-model.ts';
import { create } from '@bufbuild/protobuf';
import { AttributeProtoSchema, TensorProto_DataType as DataType, type ValueInfoProto } from '../proto/onnx_pb.ts';
import { buildModelProto, TEST_MODELS } from '../test-support/test-models.ts';
import type { ModelSpec } from '../test-support/build-model-proto.ts';
import { randomFloats, runOnnx, type RunTensor } from '../test-support/run-onnx.ts';
import { convertToFloat16 } from './convert-float16.ts';

/** Feeds for a test model: floats in [-1, 1), or token ids for int64 inputs. */
function feedsFor(spec: ModelSpec, seed: number): Record<string, RunTensor> {
  const feeds: Record<string, RunTensor> = {};
  for (const input of spec.inputs) {
    const dims = input.dims.map((dim) => (typeof dim === 'number' ? dim : 3));
    const count = dims.reduce((a, b) => a * b, 1);
    feeds[input.name] =
      input.type === DataType.INT64
        ? { dims, data: BigInt64Array.from({ length: count }, (_, index) => BigInt((index * 7 + seed) % 10)) }
        : { dims, data: randomFloats(count, seed) };
  }
  return feeds;
}

const elementType = (value: ValueInfoProto): number | undefined => (value.type?.value.case === 'tensorType' ? value.type.value.value.elemType : undefined);

/** A net with a blocked op (Max) and a float Constant between float16 ops. */
function blockedSpec(): ModelSpec {
  return {
    inputs: [{ name: 'x', dims: [2, 4] }],
    outputs: [{ name: 'y', dims: [2, 3] }, { name: 'z', dims: [2, 3] }],
    initializers: { w: hostTensor('float32', [4, 3], randomFloats(12, 51)), floor: hostTensor('float32', [3], new Float32Array([0.1, -0.2, 0.3])) },
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['m'] },
      { op: 'Max', inputs: ['m', 'floor'], outputs: ['y'] },
      { op: 'Constant', inputs: [], outputs: ['two'], attributes: { value_float: { float: 2 } } },
      { op: 'Mul', inputs: ['y', 'two'], outputs: ['z'] },
    ],
  };
}

/** Float tensors made from shapes and by Casts: ConstantOfShape's default zero, Cast to FLOAT, a bool mask. */
function shapesSpec(): ModelSpec {
  return {
    inputs: [{ name: 'x', dims: [2, 5] }],
    outputs: [{ name: 'y', dims: [2, 5] }],
    initializers: { zero: hostTensor('float32', [], new Float32Array([0])) },
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['s'] },
      { op: 'ConstantOfShape', inputs: ['s'], outputs: ['z'] },
      { op: 'Add', inputs: ['x', 'z'], outputs: ['a'] },
      { op: 'Greater', inputs: ['a', 'zero'], outputs: ['g'] },
      { op: 'Cast', inputs: ['g'], outputs: ['gf'], attributes: { to: DataType.FLOAT } },
      { op: 'Mul', inputs: ['a', 'gf'], outputs: ['y'] },
    ],
  };
}

const SPECS: Record<string, () => ModelSpec> = { ...TEST_MODELS, blocked: blockedSpec, shapes: shapesSpec };

describe('convertToFloat16', () => {
  test.each(Object.keys(SPECS))('%s: runs in onnxruntime and matches float32 within float16 error', async (name) => {
    const spec = SPECS[name]!();
    const source = encodeModelProto(buildModelProto(spec));
    const result = convertToFloat16(await readOnnxModel(source));
    const written = await writeOnnxModel(result.model);
    const proto = decodeModelProto(written);
    // Inputs and outputs stay float32; every float32 initializer a float16 op reads is float16.
    expect(proto.graph!.input.map(elementType)).toEqual(spec.inputs.map((input) => input.type ?? DataType.FLOAT));
    expect(proto.graph!.output.every((value) => elementType(value) === DataType.FLOAT)).toBe(true);
    expect(proto.graph!.initializer.filter((tensor) => tensor.dataType === DataType.FLOAT).map((tensor) => tensor.name)).toEqual(name === 'blocked' ? ['floor'] : []);
    if (name === 'shapes') {
      const cast = proto.graph!.node.find((node) => node.name === 'cast_4')!;
      expect(cast.attribute[0]!.i).toBe(BigInt(DataType.FLOAT16));
      expect(proto.graph!.node.find((node) => node.opType === 'ConstantOfShape')!.attribute[0]!.t?.dataType).toBe(DataType.FLOAT16);
    }
    const sourceBytes = new Map(decodeModelProto(source).graph!.initializer.map((tensor) => [tensor.name, tensor.rawData.byteLength]));
    for (const tensor of proto.graph!.initializer.filter((tensor) => result.converted.includes(tensor.name))) {
      expect(tensor.rawData.byteLength * 2).toBe(sourceBytes.get(tensor.name));
    }
    for (const seed of [1, 2, 3]) {
      const feeds = feedsFor(spec, seed);
      const expected = await runOnnx(source, feeds);
      const actual = await runOnnx(written, feeds);
      for (const [output, tensor] of Object.entries(expected)) {
        const got = actual[output]!;
        expect(got.dims).toEqual(tensor.dims);
        expect(got.data).toBeInstanceOf(Float32Array);
        const reference = tensor.data as Float32Array;
        const scale = Math.max(1, ...Array.from(reference, Math.abs));
        (got.data as Float32Array).forEach((value, index) => {
          // float16 keeps 11 significant bits: a few ulps of 2^-11 per op through a small net.
          expect(Math.abs(value - reference[index]!)).toBeLessThan(1e-2 * scale);
        });
      }
    }
  });

  test('blocked ops stay float32 between Casts, and Constants become float16', async () => {
    const result = convertToFloat16(await readOnnxModel(encodeModelProto(buildModelProto(blockedSpec()))));
    expect(result.keptFloat32).toEqual(['max_1']);
    expect(result.converted).toEqual(['w']);
    const nodes = (await decodeModelProto(await writeOnnxModel(result.model))).graph!.node;
    const ops = nodes.map((node) => node.opType);
    // x to float16, m back to float32 for Max, y to float16 for Mul, z back to float32.
    expect(ops).toEqual(['Cast', 'MatMul', 'Cast', 'Max', 'Constant', 'Cast', 'Mul', 'Cast']);
    const constant = nodes[4]!.attribute[0]!;
    expect(constant.name).toBe('value');
    expect(constant.t?.dataType).toBe(DataType.FLOAT16);
  });

  test('an initializer also listed as a graph input (IR 3) turns float16 with its input entry, and runs', async () => {
    const proto = buildModelProto(TEST_MODELS.mlp());
    proto.irVersion = 3n;
    proto.opsetImport[0]!.version = 13n;
    proto.graph!.input.push({ ...proto.graph!.input[0]!, name: 'w1', type: { ...proto.graph!.input[0]!.type!, value: { case: 'tensorType', value: { ...(proto.graph!.input[0]!.type!.value.value as never as object), elemType: DataType.FLOAT, shape: undefined } } } } as never);
    const source = encodeModelProto(proto);
    const written = await writeOnnxModel(convertToFloat16(await readOnnxModel(source)).model);
    const inputs = decodeModelProto(written).graph!.input;
    expect(inputs.map((value) => [value.name, elementType(value)])).toEqual([['x', DataType.FLOAT], ['w1', DataType.FLOAT16]]);
    const feeds = { x: { dims: [2, 8], data: randomFloats(16, 4) } };
    const expected = (await runOnnx(source, feeds)).y!.data as Float32Array;
    const actual = (await runOnnx(written, feeds)).y!.data as Float32Array;
    actual.forEach((value, index) => expect(Math.abs(value - expected[index]!)).toBeLessThan(1e-2 * Math.max(1, Math.abs(expected[index]!))));
  });

  test('a model with control flow is refused, naming the node', async () => {
    const proto = buildModelProto(TEST_MODELS.mlp());
    proto.graph!.node[2]!.attribute.push(create(AttributeProtoSchema, { name: 'then_branch', type: 5, g: buildModelProto(TEST_MODELS.mlp()).graph }));
    const model = await readOnnxModel(encodeModelProto(proto));
    expect(() => convertToFloat16(model)).toThrow(/graph\.node\[2\].*subgraph/);
  });
});
