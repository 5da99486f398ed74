import { create } from '@bufbuild/protobuf';
import { affineFromCodes, listParams } from '@whittle/core';
import { FunctionProtoSchema, OperatorSetIdProtoSchema, StringStringEntryProtoSchema } from '../proto/onnx_pb.ts';
import { describe, expect, test } from 'vitest';
import { decodeModelProto, encodeModelProto } from '../protobuf/decode-model-proto.ts';
import { buildModelProto, TEST_MODELS, mlpSpec } from '../test-support/test-models.ts';
import { randomFloats, runOnnx } from '../test-support/run-onnx.ts';
import { readOnnxModel } from './read-onnx-model.ts';
import { onnxProtoFromModel, writeOnnxModel } from './write-onnx-model.ts';

/** The MLP computed plainly: y = relu(x·w1 + b1)·w2 + b2. */
function referenceMlp(x: Float32Array, batch: number, w1: Float32Array, b1: Float32Array, w2: Float32Array, b2: Float32Array): Float32Array {
  const y = new Float32Array(batch * 4);
  for (let row = 0; row < batch; row++) {
    const hidden = new Float64Array(16);
    for (let j = 0; j < 16; j++) {
      let sum = b1[j]!;
      for (let i = 0; i < 8; i++) sum += x[row * 8 + i]! * w1[i * 16 + j]!;
      hidden[j] = Math.max(0, sum);
    }
    for (let j = 0; j < 4; j++) {
      let sum = b2[j]!;
      for (let i = 0; i < 16; i++) sum += hidden[i]! * w2[i * 4 + j]!;
      y[row * 4 + j] = sum;
    }
  }
  return y;
}

describe('readOnnxModel and writeOnnxModel', () => {
  test('the runtime runs the MLP the tests build as plain maths says', async () => {
    const spec = mlpSpec();
    const x = randomFloats(3 * 8, 99);
    const { y } = await runOnnx(encodeModelProto(buildModelProto(spec)), { x: { dims: [3, 8], data: x } });
    const [w1, b1, w2, b2] = (['w1', 'b1', 'w2', 'b2'] as const).map((name) => spec.initializers[name]!.data as Float32Array);
    const expected = referenceMlp(x, 3, w1!, b1!, w2!, b2!);
    expect(y!.dims).toEqual([3, 4]);
    (y!.data as Float32Array).forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, 4));
  });

  test('initializers become params with roles from the ops that consume them', async () => {
    const roles = async (name: keyof typeof TEST_MODELS) => {
      const model = await readOnnxModel(encodeModelProto(buildModelProto(TEST_MODELS[name]())));
      return Object.fromEntries(listParams(model).map((row) => [row.name, row.role]));
    };
    expect(await roles('mlp')).toEqual({ w1: 'dense-kernel', b1: 'bias', w2: 'dense-kernel', b2: 'bias' });
    expect(await roles('gemm')).toEqual({ w: 'linear-weight', c: 'bias' });
    expect(await roles('conv')).toEqual({
      kernel: 'linear-weight',
      kernel_bias: 'bias',
      gamma: 'norm-gamma',
      beta: 'norm-beta',
      mean: 'norm-mean',
      variance: 'norm-variance',
      head: 'dense-kernel',
    });
    expect(await roles('attention')).toMatchObject({ ln_scale: 'norm-gamma', ln_bias: 'norm-beta', wq: 'dense-kernel', wo: 'dense-kernel', bo: 'bias', scale: 'other' });
    // The int64 axes stay in the topology: whittle has no int64 dtype.
    expect(await roles('embedding')).toEqual({ table: 'embedding' });
  });

  test.each(Object.keys(TEST_MODELS))('%s: read then written unchanged gives the same bytes', async (name) => {
    const bytes = encodeModelProto(buildModelProto(TEST_MODELS[name as keyof typeof TEST_MODELS]()));
    const model = await readOnnxModel(bytes);
    expect(model.format).toBe('onnx');
    expect(Buffer.from(await writeOnnxModel(model)).equals(Buffer.from(bytes))).toBe(true);
  });

  test('opsets, metadata, value infos, functions, doc strings and unknown fields are kept', async () => {
    const proto = buildModelProto(mlpSpec());
    proto.docString = 'a model';
    proto.metadataProps.push(create(StringStringEntryProtoSchema, { key: 'author', value: 'tests' }));
    proto.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: 'custom', version: 1n }));
    proto.graph!.valueInfo.push({ ...proto.graph!.output[0]!, name: 'h2' });
    proto.functions.push(create(FunctionProtoSchema, { name: 'Unused', domain: 'custom', input: ['a'], output: ['b'], node: [{ opType: 'Identity', input: ['a'], output: ['b'] }] }));
    proto.graph!.initializer[0]!.docString = 'first layer';
    const known = encodeModelProto(proto);
    // Field 1000 of ModelProto: a varint no schema version knows.
    const bytes = new Uint8Array([...known, 0xc0, 0x3e, 0x2a]);
    const written = await writeOnnxModel(await readOnnxModel(bytes));
    expect(Buffer.from(written).equals(Buffer.from(bytes))).toBe(true);
  });

  test('a param changed in dtype is stored in it with a Cast back to the graph\'s type, and still runs', async () => {
    const bytes = encodeModelProto(buildModelProto(mlpSpec()));
    const model = await readOnnxModel(bytes);
    const w1 = model.params.get('w1')!;
    const half = { kind: 'dense' as const, tensor: { dtype: 'float16' as const, shape: w1.shape, data: new Uint16Array(8 * 16).fill(0x3c00) } };
    const params = new Map(model.params);
    params.set('w1', { ...w1, value: half });
    const written = await writeOnnxModel({ ...model, params });
    const proto = decodeModelProto(written);
    expect(proto.graph!.initializer.map((tensor) => tensor.name)).toContain('w1::float16');
    expect(proto.graph!.node[0]!.opType).toBe('Cast');
    const x = randomFloats(8, 5);
    const { y } = await runOnnx(written, { x: { dims: [1, 8], data: x } });
    const spec = mlpSpec();
    const ones = new Float32Array(8 * 16).fill(1);
    const expected = referenceMlp(x, 1, ones, spec.initializers.b1!.data as Float32Array, spec.initializers.w2!.data as Float32Array, spec.initializers.b2!.data as Float32Array);
    (y!.data as Float32Array).forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, 3));
  });

  test('a param in an encoding ONNX has no form for here is written decoded, said so, and runs as its values', async () => {
    const model = await readOnnxModel(encodeModelProto(buildModelProto(mlpSpec())));
    // w2 [16, 4] as signed int8 codes per tensor: value = code × 0.05.
    const codes = Array.from({ length: 64 }, (_, index) => ((index * 37) % 255) - 127);
    const affine = affineFromCodes({
      shape: [16, 4],
      bits: 8,
      signed: true,
      granularity: { kind: 'tensor' },
      codes,
      scales: { dtype: 'float32', shape: [], data: new Float32Array([0.05]) },
    });
    const params = new Map(model.params);
    params.set('w2', { ...model.params.get('w2')!, value: affine });
    const decoded: string[] = [];
    const written = encodeModelProto(await onnxProtoFromModel({ ...model, params }, { onDecoded: (name, kind) => decoded.push(`${name}:${kind}`) }));
    expect(decoded).toEqual(['w2:affine']);
    const spec = mlpSpec();
    const x = randomFloats(8, 6);
    const w2 = Float32Array.from(codes, (code) => code * 0.05);
    const expected = referenceMlp(x, 1, spec.initializers.w1!.data as Float32Array, spec.initializers.b1!.data as Float32Array, w2, spec.initializers.b2!.data as Float32Array);
    const { y } = await runOnnx(written, { x: { dims: [1, 8], data: x } });
    (y!.data as Float32Array).forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, 3));
  });
});
