import {
  cast,
  castHandler,
  compress,
  createRecipeRegistry,
  decode,
  getParam,
  hostTensor,
  isWhittleError,
  modelFromTensors,
  useBackend,
  validateRecipe,
  type Param,
} from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGptqHandler, gptqHandler, gptqRegistry } from './gptq-handler.ts';
import { gptqQuantize } from './gptq-quantize.ts';
import { GPTQ_KIND, gptq, validateGptqStep } from './gptq-step.ts';
import { accumulateHessian } from './hessian.ts';
import { correlatedInputs, normalMatrix, transpose } from './test-layers.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

const hiddenInputs = correlatedInputs(128, 32, 20);
const headInputs = correlatedInputs(128, 16, 21);
const model = modelFromTensors({
  'hidden/kernel': normalMatrix(32, 16, 22, 0.1),
  'hidden/bias': hostTensor('float32', [16], normalMatrix(1, 16, 23).data),
  'head.weight': transpose(normalMatrix(16, 4, 24, 0.1)),
});

describe('quantize.gptq step', () => {
  it('builds plain JSON data that validates with defaults filled in', () => {
    const step = gptq({ bits: 3, actOrder: true, exclude: ['head*'] });
    expect(step).toStrictEqual({ kind: GPTQ_KIND, bits: 3, actOrder: true, exclude: ['head*'] });
    expect(JSON.parse(JSON.stringify(step))).toStrictEqual(step);
    expect(validateGptqStep(step, { step: 1 })).toStrictEqual({
      kind: GPTQ_KIND,
      bits: 3,
      groupSize: 128,
      symmetric: true,
      damp: 0.01,
      actOrder: true,
      blockSize: 128,
      scaleDType: 'float16',
      exclude: ['head*'],
    });
    expect(validateGptqStep(gptq({ bits: 4, groupSize: -1 }), { step: 1 }).scaleDType).toBe('float32');
  });

  it.each([
    [{ bits: 1 }, 'bits'],
    [{}, 'bits'],
    [{ bits: 4, groupSize: 0 }, 'groupSize'],
    [{ bits: 4, groupSize: 1.5 }, 'groupSize'],
    [{ bits: 4, damp: 0 }, 'damp'],
    [{ bits: 4, damp: '0.1' }, 'damp'],
    [{ bits: 4, actOrder: 1 }, 'actOrder'],
    [{ bits: 4, blockSize: -3 }, 'blockSize'],
    [{ bits: 4, symmetric: null }, 'symmetric'],
    [{ bits: 4, scaleDType: 'float64' }, 'scaleDType'],
    [{ bits: 4, roles: ['conv2d-kernel'] }, 'roles[0]'],
    [{ bits: 4, include: 'dense*' }, 'include'],
    [{ bits: 4, grupSize: 32 }, 'grupSize'],
  ])('rejects %j naming %s', (fields, field) => {
    expect(() => validateGptqStep({ kind: GPTQ_KIND, ...fields }, { step: 2 })).toThrow(
      expect.objectContaining({ code: 'invalid-recipe', step: 2, field }),
    );
  });

  it('validation throws only WhittleErrors, whatever the input', () => {
    const registry = createRecipeRegistry([gptqHandler]);
    const settings = fc.record(
      {
        bits: fc.anything(),
        groupSize: fc.anything(),
        damp: fc.anything(),
        actOrder: fc.anything(),
        blockSize: fc.anything(),
        symmetric: fc.anything(),
        scaleDType: fc.anything(),
        include: fc.anything(),
        roles: fc.anything(),
      },
      { requiredKeys: [] },
    );
    const step = fc.oneof(
      fc.anything(),
      fc.dictionary(fc.string(), fc.anything()).map((fields) => ({ ...fields, kind: GPTQ_KIND })),
      settings.map((fields) => ({ ...fields, kind: GPTQ_KIND })),
    );
    fc.assert(
      fc.property(step, (candidate) => {
        try {
          const [config] = validateRecipe([candidate], registry);
          expect(config).toMatchObject({ kind: GPTQ_KIND });
        } catch (error) {
          if (!isWhittleError(error)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('quantize.gptq handler', () => {
  it('quantizes each selected Dense and Linear param with its own calibration', async () => {
    const calibration = new Map([
      ['hidden/kernel', hiddenInputs],
      ['head.weight', headInputs],
    ]);
    const registry = gptqRegistry(calibration);
    expect(registry.has('cast')).toBe(true);
    const { model: quantized } = await compress(model, [gptq({ bits: 4, groupSize: 16 }), cast('float16')], {
      registry,
    });
    const hidden = getParam(quantized, 'hidden/kernel').value;
    const expected = await gptqQuantize(decode(getParam(model, 'hidden/kernel').value), hiddenInputs, {
      bits: 4,
      groupSize: 16,
    });
    expect(hidden).toStrictEqual(expected.encoding);
    expect(getParam(quantized, 'head.weight').value).toMatchObject({ kind: 'affine', bits: 4, shape: [4, 16] });
    expect(getParam(quantized, 'head.weight').value).toMatchObject({ granularity: { kind: 'group', axis: 1 } });
    expect(getParam(quantized, 'hidden/bias').value).toBe(getParam(model, 'hidden/bias').value);
    expect(getParam(model, 'hidden/kernel').value.kind).toBe('dense');
  });

  it('accepts a function, Hessians, and shares one source between params', async () => {
    let calls = 0;
    const shared = {
      *[Symbol.iterator]() {
        calls++;
        yield hiddenInputs;
      },
    };
    const twin = modelFromTensors({ 'a/kernel': normalMatrix(32, 4, 1), 'b/kernel': normalMatrix(32, 4, 2) });
    const handler = createGptqHandler({ calibration: (param: Param) => (param.name.endsWith('/kernel') ? shared : undefined) });
    const result = await handler.apply(twin, validateGptqStep(gptq({ bits: 3 }), { step: 1 }), { step: 1, resources: {} });
    expect(calls).toBe(1);
    expect(getParam(result, 'b/kernel').value.kind).toBe('affine');
    const hessian = await accumulateHessian(hiddenInputs);
    const fromHessian = await createGptqHandler({ calibration: { 'a/kernel': hessian, 'b/kernel': hessian } }).apply(
      twin,
      validateGptqStep(gptq({ bits: 3 }), { step: 1 }),
      { step: 1, resources: {} },
    );
    expect(getParam(fromHessian, 'a/kernel').value).toStrictEqual(getParam(result, 'a/kernel').value);
  });

  it('lists an example step and reports each quantized param as done', async () => {
    expect(gptqHandler.validate(gptqHandler.example!, { step: 1 })).toMatchObject({ kind: 'quantize.gptq', bits: 4, groupSize: 128 });
    expect(gptqHandler.defaultRoles).toEqual(['dense-kernel', 'linear-weight']);
    const twin = modelFromTensors({ 'a/kernel': normalMatrix(32, 4, 1), 'b/kernel': normalMatrix(32, 4, 2) });
    const seen: string[] = [];
    const handler = createGptqHandler({ calibration: { 'a/kernel': hiddenInputs, 'b/kernel': hiddenInputs } });
    await handler.apply(twin, validateGptqStep(gptq({ bits: 4 }), { step: 1 }), {
      step: 1,
      resources: {},
      onParam: (param, done, total) => seen.push(`${param} ${done}/${total}`),
    });
    expect(seen).toEqual(['a/kernel 1/2', 'b/kernel 2/2']);
  });

  it('names the missing calibration and the step', async () => {
    const step = validateGptqStep(gptq({ bits: 4 }), { step: 1 });
    await expect(gptqHandler.apply(model, step, { step: 1, resources: {} })).rejects.toMatchObject({
      code: 'invalid-argument',
      field: 'calibration',
      step: 1,
    });
    const partial = createGptqHandler({ calibration: { 'hidden/kernel': hiddenInputs, constructor: headInputs } });
    await expect(partial.apply(model, step, { step: 1, resources: {} })).rejects.toMatchObject({
      field: 'calibration["head.weight"]',
      step: 1,
    });
    const wrongWidth = createGptqHandler({ calibration: { 'hidden/kernel': headInputs } });
    const onlyHidden = validateGptqStep(gptq({ bits: 4, include: ['hidden/*'] }), { step: 1 });
    await expect(wrongWidth.apply(model, onlyHidden, { step: 1, resources: {} })).rejects.toMatchObject({
      field: 'calibration["hidden/kernel"]',
    });
    // With nothing selected, no calibration is needed.
    const none = validateGptqStep(gptq({ bits: 4, include: ['nothing'] }), { step: 1 });
    expect(await gptqHandler.apply(model, none, { step: 1, resources: {} })).toMatchObject({ params: model.params });
  });

  it('leaves params that are not dense floats alone', async () => {
    const registry = createRecipeRegistry([castHandler, createGptqHandler({ calibration: { 'hidden/kernel': hiddenInputs } })]);
    const once = await compress(model, [gptq({ bits: 4, include: ['hidden/*'] })], { registry });
    const twice = await compress(once.model, [gptq({ bits: 2, include: ['hidden/*'] })], { registry });
    expect(getParam(twice.model, 'hidden/kernel').value).toBe(getParam(once.model, 'hidden/kernel').value);
  });
});
