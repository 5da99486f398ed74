import * as tf from '@tensorflow/tfjs-core';
import { compress, createRecipeRegistry, getParam, modelFromTensors, hostTensor, useBackend, validateRecipe, type AffineEncoding } from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { quantizeHandlers } from './handlers.ts';
import { DEFAULT_UINT8_RANGE, uint16, uint8 } from './tfjs-stock-steps.ts';

const registry = createRecipeRegistry(quantizeHandlers);
const validate = (step: unknown) => validateRecipe([step], registry)[0]!;

beforeAll(async () => {
  await useBackend('cpu');
});

/** A dense kernel of small weights with one folded-norm-like outlier, and what stock tfjs reads back of it. */
function kernelWithOutlier(): Float32Array {
  const values = new Float32Array(64 * 32);
  for (let index = 0; index < values.length; index++) values[index] = 0.05 * Math.sin(index * 12.9898) * Math.cos(index * 4.1414);
  values[100] = 0.9;
  return values;
}

function stockDecoded(encoding: AffineEncoding, count: number): Float32Array {
  const quantization = { dtype: 'uint8' as const, min: encoding.offsets!.data[0]!, scale: encoding.scales.data[0]! };
  const decoded = tf.io.decodeWeights(encoding.codes.slice().buffer, [{ name: 'w', shape: [count], dtype: 'float32', quantization }]);
  const values = Float32Array.from(decoded.w!.dataSync());
  tf.dispose(Object.values(decoded));
  return values;
}

describe('quantize.uint8 range', () => {
  it('is plain data, absent unless asked for, and checked by name', () => {
    expect(uint8({ range: 'mse', include: ['a/*'] })).toStrictEqual({ kind: 'quantize.uint8', include: ['a/*'], range: 'mse' });
    expect(uint8()).toStrictEqual({ kind: 'quantize.uint8' });
    expect(validate({ kind: 'quantize.uint8', range: 'minmax' })).toStrictEqual({ kind: 'quantize.uint8', range: 'minmax' });
    expect(validate({ kind: 'quantize.uint8' })).toStrictEqual({ kind: 'quantize.uint8' });
    expect(DEFAULT_UINT8_RANGE).toBe('minmax');
    for (const range of ['percentile', 1, null, ['mse']]) {
      expect(() => validate({ kind: 'quantize.uint8', range })).toThrow(expect.objectContaining({ code: 'invalid-recipe', step: 1, field: 'range' }));
    }
    // uint16 has no range to choose.
    expect(() => validate({ ...uint16(), range: 'mse' })).toThrow(expect.objectContaining({ field: 'range' }));
  });

  it('turns any range field into a config or a typed error, never a crash', () => {
    fc.assert(
      fc.property(fc.anything(), (range) => {
        try {
          expect(validate({ kind: 'quantize.uint8', range }).range).toBe(range);
        } catch (error) {
          expect(error).toMatchObject({ code: 'invalid-recipe', field: 'range' });
        }
      }),
    );
  });

  it('the default is the converter’s min/max; mse gives stock bytes with less squared error', async () => {
    const values = kernelWithOutlier();
    const model = modelFromTensors({ 'dense/kernel': hostTensor('float32', [64, 32], values) });
    const encodings = new Map<string, AffineEncoding>();
    for (const [name, step] of [['default', uint8()], ['minmax', uint8({ range: 'minmax' })], ['mse', uint8({ range: 'mse' })]] as const) {
      const { model: result } = await compress(model, [step], { registry });
      encodings.set(name, getParam(result, 'dense/kernel').value as AffineEncoding);
    }
    expect(encodings.get('default')).toStrictEqual(encodings.get('minmax'));
    const error = (name: string) => stockDecoded(encodings.get(name)!, values.length).reduce((sum, value, index) => sum + (value - values[index]!) ** 2, 0);
    expect(encodings.get('mse')).toMatchObject({ bits: 8, signed: false, granularity: { kind: 'tensor' }, scales: { dtype: 'float64' }, offsets: { dtype: 'float64' } });
    expect(error('mse')).toBeLessThan(error('minmax'));
  });
});
