import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { denseEncoding } from '../encoding/dense.ts';
import { createModel } from '../model/create-model.ts';
import { countParams, modelByteLength } from '../model/model-queries.ts';
import { PARAM_ROLES } from '../model/param-roles.ts';
import type { Model } from '../model/types.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { modelArbitrary } from '../testing/model-arbitraries.ts';
import { cast, CAST_DTYPES, castHandler } from './cast.ts';
import { compress } from './compress.ts';
import { estimate } from './estimate.ts';
import { createRecipeRegistry } from './registry.ts';
import type { RecipeHandler } from './types.ts';

/** A filter over the names `modelArbitrary` gives (`layer0/w` …) and every role. */
const filterArbitrary = fc.record(
  {
    include: fc.array(fc.constantFrom('layer0/*', 'layer1/w', 'layer?/w', '**'), { minLength: 1, maxLength: 2 }),
    exclude: fc.array(fc.constantFrom('layer2/*', 'layer3/w'), { maxLength: 1 }),
    roles: fc.subarray([...PARAM_ROLES], { minLength: 1 }),
  },
  { requiredKeys: [] },
);

const sizeOf = (model: Model) => ({ params: countParams(model), bytes: modelByteLength(model) });

describe('estimate', () => {
  it('gives a cast step the params and bytes compress produces, exactly', async () => {
    await fc.assert(
      fc.asyncProperty(modelArbitrary(), fc.constantFrom(...CAST_DTYPES), filterArbitrary, async (model, dtype, filter) => {
        const step = cast(dtype, filter);
        const { model: result } = await compress(model, [step], { requireSelection: false });
        expect(estimate(model, step)).toEqual(sizeOf(result));
      }),
      { numRuns: 200 },
    );
  });

  it('is plain arithmetic on a small case', () => {
    const model = createModel({
      format: 'checkpoint',
      params: [
        { name: 'fc/kernel', role: 'dense-kernel', value: denseEncoding(hostTensor('float32', [3, 5])) },
        { name: 'fc/bias', role: 'bias', value: denseEncoding(hostTensor('float32', [5])) },
        { name: 'ids', role: 'embedding', value: denseEncoding(hostTensor('int32', [4, 2])) },
      ],
    });
    // The kernel halves (15 × 2 bytes); the bias is no weight and int32 is no float: both stay.
    expect(estimate(model, cast('float16'))).toEqual({ params: 15 + 5 + 8, bytes: 30 + 20 + 32 });
    expect(estimate(model, cast('bfloat16', { roles: ['bias'] }))).toEqual({ params: 28, bytes: 60 + 10 + 32 });
  });

  it('never reads tensor data', () => {
    // Data that throws on any element read: sizes come from shapes alone.
    const tensor = hostTensor('float32', [64, 32]);
    const poisoned = new Proxy(tensor.data, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) throw new Error('read an element');
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const model = { format: 'checkpoint', topology: null, params: new Map([['w', { name: 'w', role: 'dense-kernel', shape: [64, 32], value: { kind: 'dense', tensor: { ...tensor, data: poisoned } } }]]) } as unknown as Model;
    expect(estimate(model, cast('float16'))).toEqual({ params: 2048, bytes: 4096 });
  });

  it('validates the step first, and names a kind whose handler cannot estimate', () => {
    const model = createModel({ format: 'checkpoint', params: [{ name: 'w', role: 'dense-kernel', value: denseEncoding(hostTensor('float32', [2])) }] });
    expect(() => estimate(model, { kind: 'cast', dtype: 'int4' })).toThrow(expect.objectContaining({ code: 'invalid-recipe', step: 1, field: 'dtype' }));
    expect(() => estimate(model, { kind: 'nothing' })).toThrow(expect.objectContaining({ code: 'unknown-kind', step: 1 }));
    const blind: RecipeHandler = { kind: 'test.blind', description: '', effect: 're-encodes-params', validate: (step) => step, apply: (input) => input };
    const registry = createRecipeRegistry([castHandler, blind]);
    expect(() => estimate(model, { kind: 'test.blind' }, { registry })).toThrow(
      expect.objectContaining({ code: 'invalid-recipe', step: 1, field: 'kind', message: 'step 1: kind: test.blind steps cannot be estimated without running them: its handler gives no estimate' }),
    );
    expect(estimate(model, cast('float16'), { registry })).toEqual({ params: 2, bytes: 4 });
  });
});
