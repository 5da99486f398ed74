import * as tf from '@tensorflow/tfjs-core';
import { cast, castHandler, compress, countParams, createRecipeRegistry, estimate, modelByteLength } from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, expect, test } from 'vitest';
import { pruneHandlers, structured } from '../index.ts';
import { STRUCTURED_CASES, seededModel } from './structured-models.test-support.ts';

const registry = createRecipeRegistry([...pruneHandlers, castHandler]);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

test('the estimate equals the params and bytes compress leaves, float32 or float16, for every case', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.nat(STRUCTURED_CASES.length - 1),
      fc.double({ min: 0, max: 0.95, noNaN: true }),
      fc.constantFrom(1, 2, 4, 8),
      fc.constantFrom('float32', 'float16'),
      fc.constantFrom([], ['head'], ['conv', 'hidden_1']),
      async (pick, sparsity, roundTo, dtype, ignore) => {
        const structuredCase = STRUCTURED_CASES[pick]!;
        let model = await seededModel(structuredCase, pick + 1);
        if (dtype === 'float16') model = (await compress(model, [cast('float16')], { registry })).model;
        const step = structured({ sparsity, roundTo, ignore, norm: 'l2' });
        const estimated = estimate(model, step, { registry });
        const { model: pruned } = await compress(model, [step], { registry });
        expect(estimated).toEqual({ params: countParams(pruned), bytes: modelByteLength(pruned) });
      }
    ),
    { numRuns: 30 }
  );
});

test('a global ranking is refused: its counts follow the weights', async () => {
  const model = await seededModel(STRUCTURED_CASES[0]!, 1);
  expect(() => estimate(model, structured({ sparsity: 0.5, scope: 'global' }), { registry })).toThrow(
    /step 1: scope: a global ranking's channel counts follow the weights/
  );
});
