import { compress, defaultRegistry, hostTensor, modelFromTensors } from '@whittle/core';
import { describe, expect, it } from 'vitest';
import { quantizeHandlers } from './recipes/handlers.ts';

describe('@whittle/quantize/register', () => {
  it("adds every quantize kind to core's default registry, once", async () => {
    expect(defaultRegistry.has('quantize.affine')).toBe(false);
    await import('./register.ts');
    for (const handler of quantizeHandlers) expect(defaultRegistry.get(handler.kind)).toBe(handler);
    expect(quantizeHandlers.map((handler) => handler.kind)).toEqual(
      expect.arrayContaining(['quantize.float16', 'quantize.bfloat16', 'quantize.uint8', 'quantize.uint16', 'quantize.affine', 'quantize.kmeans']),
    );
    const model = modelFromTensors({ 'dense/kernel': hostTensor('float32', [4, 4], new Float32Array(16).fill(0.5)) });
    const { steps } = await compress(model, [{ kind: 'quantize.affine', bits: 4, granularity: { kind: 'group', size: 2 } }]);
    expect(steps[0]).toMatchObject({ bytesBefore: 64, bytesAfter: 8 + 8 * 2 });
  });
});
