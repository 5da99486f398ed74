import { describe, expect, test } from 'vitest';
import { encodeModelProto } from '../protobuf/decode-model-proto.ts';
import { readOnnxModel } from '../model/read-onnx-model.ts';
import { convertToFloat16 } from '../fp16/convert-float16.ts';
import { attentionSpec, buildModelProto, embeddingSpec } from '../test-support/test-models.ts';
import { formatOnnxInspection, inspectOnnx } from './inspect-onnx.ts';

describe('inspectOnnx', () => {
  test('the attention block: ops counted, bytes by type, the four weight MatMuls quantizable and the two activation MatMuls not', async () => {
    const model = await readOnnxModel(encodeModelProto(buildModelProto(attentionSpec())));
    const inspection = inspectOnnx(model);
    expect(inspection.ops[0]).toEqual({ op: 'MatMul', count: 6 });
    expect(inspection.ops).toContainEqual({ op: 'Softmax', count: 1 });
    // 4 × 16 × 16 weights, 3 × 16 vectors, one scalar.
    expect(inspection.params).toBe(4 * 256 + 3 * 16 + 1);
    expect(inspection.bytesByType).toEqual({ FLOAT: 4 * (4 * 256 + 3 * 16 + 1) });
    expect(inspection.quantizableMatMuls.map((matmul) => matmul.weight)).toEqual(['wq', 'wk', 'wv', 'wo']);
    expect(inspection.quantizableMatMuls[0]!.shape).toEqual([16, 16]);
    expect(inspection.opsets).toEqual(['ai.onnx 21']);
    const half = inspectOnnx(convertToFloat16(model).model);
    expect(half.bytesByType).toEqual({ FLOAT16: 2 * (4 * 256 + 3 * 16 + 1) });
    expect(half.quantizableMatMuls).toHaveLength(4);
    expect(formatOnnxInspection(inspection)).toContain('quantizable MatMuls (B a constant 2-D initializer): 4');
  });

  test('int64 initializers count in their own type', async () => {
    const inspection = inspectOnnx(await readOnnxModel(encodeModelProto(buildModelProto(embeddingSpec()))));
    expect(inspection.bytesByType).toEqual({ FLOAT: 240, INT64: 8 });
  });
});
