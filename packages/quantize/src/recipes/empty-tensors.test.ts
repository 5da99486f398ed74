/**
 * Empty tensors with giant dimensions: nothing to quantize, so every kind leaves them as they
 * are, and no encoder sizes scales, centroids or a Hessian from a dimension the data does not back.
 */
import {
  WhittleError,
  checkShapeLimits,
  compress,
  createRecipeRegistry,
  createModel,
  getParam,
  hostTensor,
  type Param,
  type RecipeStep,
} from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantizeAffine } from '../primitives/quantize-affine.ts';
import { affine } from './affine-step.ts';
import { bfloat16, float16 } from './half-float.ts';
import { quantizeHandlers } from './handlers.ts';
import { int4, int8 } from './integer-presets.ts';
import { kmeans } from './kmeans-step.ts';
import { uint8 } from './tfjs-stock-steps.ts';

const registry = createRecipeRegistry(quantizeHandlers);

function withinLimits(shape: number[]): boolean {
  try {
    checkShapeLimits(shape);
    return true;
  } catch {
    return false;
  }
}

function emptyWeight(shape: number[]): Param {
  return { name: 'fc.weight', role: 'linear-weight', shape, value: { kind: 'dense', tensor: hostTensor('float32', shape, new Float32Array(0)) } };
}

describe('empty weights with giant dimensions', () => {
  const steps: RecipeStep[] = [
    int8(),
    int4(),
    affine({ bits: 8, granularity: { kind: 'axis', axis: -1 } }),
    affine({ bits: 4, granularity: { kind: 'group', size: 32, axis: 0 } }),
    kmeans({ bits: 4 }),
    float16(),
    bfloat16(),
    uint8(),
  ];

  it.each(steps.map((step) => [step.kind, step] as const))('%s leaves [0, 2^26] as it is, allocating nothing from its shape', async (_, step) => {
    const param = emptyWeight([0, 2 ** 26]);
    const model = createModel({ format: 'safetensors', topology: null, params: [param] });
    const before = process.memoryUsage().arrayBuffers;
    const { model: result } = await compress(model, [step], { registry });
    expect(getParam(result, 'fc.weight').value).toBe(param.value);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('quantizeAffine on shapes with zeros', () => {
  it('encodes or refuses with a typed error, never sizing scales past the data', () => {
    const dimension = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(2 ** 17, 2 ** 26));
    fc.assert(
      fc.property(
        fc.array(dimension, { minLength: 1, maxLength: 3 }).filter((shape) => shape.includes(0)),
        fc.oneof(fc.constant<'axis' | 'group'>('axis'), fc.constant<'axis' | 'group'>('group')),
        fc.nat(),
        (shape, kind, axisSeed) => {
          fc.pre(withinLimits(shape));
          const axis = axisSeed % shape.length;
          const granularity = kind === 'axis' ? { kind, axis } : { kind, axis, size: 4 };
          const tensor = hostTensor('float32', shape, new Float32Array(0));
          try {
            const encoding = quantizeAffine(tensor, { bits: 8, granularity });
            expect(encoding.scales.data.length).toBeLessThanOrEqual(65_536);
          } catch (error) {
            expect(error).toBeInstanceOf(WhittleError);
            expect((error as WhittleError).code).toBe('invalid-tensor');
            expect((error as WhittleError).message).toMatch(/per-axis entries for a tensor of 0 elements/);
          }
        },
      ),
    );
  });
});
