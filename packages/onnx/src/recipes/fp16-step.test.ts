import { compress, createRecipeRegistry, defaultRegistry, WhittleError } from '@whittle/core';
import { describe, expect, test } from 'vitest';
import { encodeModelProto } from '../protobuf/decode-model-proto.ts';
import { readOnnxModel } from '../model/read-onnx-model.ts';
import { buildModelProto, mlpSpec } from '../test-support/test-models.ts';
import { onnxHandlers } from './handlers.ts';
import '../register.ts';

describe('the onnx.fp16 recipe kind', () => {
  test('registered by @whittle/onnx/register; compress halves the weights and notes what it did', async () => {
    expect(defaultRegistry.has('onnx.fp16')).toBe(true);
    const model = await readOnnxModel(encodeModelProto(buildModelProto(mlpSpec())));
    const result = await compress(model, [{ kind: 'onnx.fp16' }]);
    expect([...result.model.params.values()].every((param) => param.value.kind === 'dense' && param.value.tensor.dtype === 'float16')).toBe(true);
    expect(result.steps[0]!.notes[0]).toMatch(/4 initializers to float16; 0 nodes kept float32; 2 Casts/);
  });

  test('unknown fields and bad lists are recipe errors naming the field', async () => {
    const registry = createRecipeRegistry(onnxHandlers);
    const handler = registry.get('onnx.fp16')!;
    expect(() => handler.validate({ kind: 'onnx.fp16', blockedOp: ['Max'] }, { step: 1 })).toThrow(/did you mean "blockedOps"/);
    expect(() => handler.validate({ kind: 'onnx.fp16', blockedOps: 'Max' }, { step: 1 })).toThrow(WhittleError);
    expect(handler.validate({ kind: 'onnx.fp16', blockedOps: ['Softmax'] }, { step: 1 })).toEqual({ kind: 'onnx.fp16', blockedOps: ['Softmax'] });
  });
});
