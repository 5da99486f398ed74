import * as tf from '@tensorflow/tfjs-core';
import { compress, createRecipeRegistry, getParam, modelFromTensors, hostTensor, useBackend, validateRecipe, type AffineEncoding } from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { quantizeHandlers } from './handlers.ts';
import { DEFAULT_UINT8_RANGE, DEFAULT_UINT8_ROUNDING, uint16, uint8 } from './tfjs-stock-steps.ts';

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

describe('quantize.uint8 rounding', () => {
  it('is plain data, absent unless asked for, and checked by name', () => {
    expect(uint8({ rounding: 'balanced' })).toStrictEqual({ kind: 'quantize.uint8', rounding: 'balanced' });
    expect(validate({ kind: 'quantize.uint8', rounding: 'nearest' })).toStrictEqual({ kind: 'quantize.uint8', rounding: 'nearest' });
    expect(DEFAULT_UINT8_ROUNDING).toBe('nearest');
    for (const rounding of ['stochastic', 0, null, ['balanced']]) {
      expect(() => validate({ kind: 'quantize.uint8', rounding })).toThrow(expect.objectContaining({ code: 'invalid-recipe', step: 1, field: 'rounding' }));
    }
    expect(() => validate({ ...uint16(), rounding: 'balanced' })).toThrow(expect.objectContaining({ field: 'rounding' }));
  });

  it('balanced keeps each output channel’s summed error within half a step, as stock tfjs decodes it; biases round to nearest', async () => {
    const values = kernelWithOutlier();
    const bias = Float32Array.from({ length: 32 }, (_, index) => 0.01 * Math.sin(index * 7.77));
    const model = modelFromTensors({ 'dense/kernel': hostTensor('float32', [64, 32], values), 'dense/bias': hostTensor('float32', [32], bias) });
    const roles = ['dense-kernel', 'bias'] as const;
    const { model: balanced } = await compress(model, [uint8({ rounding: 'balanced', roles: [...roles] })], { registry });
    const { model: nearest } = await compress(model, [uint8({ roles: [...roles] })], { registry });
    const kernel = getParam(balanced, 'dense/kernel').value as AffineEncoding;
    const decoded = stockDecoded(kernel, values.length);
    const scale = kernel.scales.data[0]!;
    const sums = new Float64Array(32);
    for (let index = 0; index < values.length; index++) sums[index % 32] = sums[index % 32]! + decoded[index]! - values[index]!;
    for (const sum of sums) expect(Math.abs(sum)).toBeLessThanOrEqual(scale / 2 + 1e-5);
    expect(kernel.codes).not.toStrictEqual((getParam(nearest, 'dense/kernel').value as AffineEncoding).codes);
    // A bias has no output channel to balance: it is coded exactly as with nearest rounding.
    expect(getParam(balanced, 'dense/bias').value).toStrictEqual(getParam(nearest, 'dense/bias').value);
  });
});
