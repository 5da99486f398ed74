import {
  WEIGHT_ROLES,
  WhittleError,
  compress,
  createRecipeRegistry,
  decode,
  getParam,
  hostTensor,
  modelFromTensors,
  replaceParams,
  sparseFromDense,
  castDense,
  type Model,
  type RecipeStep,
} from '@whittle/core';
import { describe, expect, it } from 'vitest';
import { affine } from './affine-step.ts';
import { bfloat16, float16 } from './half-float.ts';
import { quantizeHandlers } from './handlers.ts';
import { int2, int3, int4, int8 } from './integer-presets.ts';
import { kmeans } from './kmeans-step.ts';
import { testModel } from './recipe-test-model.ts';
import { uint16, uint8 } from './tfjs-stock-steps.ts';

const registry = createRecipeRegistry(quantizeHandlers);
const run = (model: Model, steps: RecipeStep[]) => compress(model, steps, { registry });
const WEIGHTS = ['dense/kernel', 'fc.weight', 'conv/kernel', 'depthwise/depthwise_kernel', 'embedding/embeddings'];
const EXACT = ['dense/bias', 'layer_norm/gamma', 'ids/kernel'];

describe('quantize handlers through compress', () => {
  const model = testModel();

  it('quantize only weights by default, keeping biases, norms and integers exact', async () => {
    for (const step of [float16(), bfloat16(), uint8(), uint16(), int8(), int4(), int3(), int2(), kmeans({ bits: 3 }), affine({ bits: 6, granularity: { kind: 'tensor' } })]) {
      const { model: result, steps } = await run(model, [step]);
      for (const name of EXACT) expect(getParam(result, name), `${step.kind} ${name}`).toBe(getParam(model, name));
      for (const name of WEIGHTS) {
        const { value } = getParam(result, name);
        expect(value, `${step.kind} ${name}`).not.toBe(getParam(model, name).value);
        expect(value.kind === 'dense' ? value.tensor.dtype : value.kind).not.toBe('float32');
      }
      expect(steps[0]!.bytesAfter).toBeLessThan(steps[0]!.bytesBefore);
      expect(steps[0]!.paramsAfter).toBe(steps[0]!.paramsBefore);
    }
  });

  it('report exact bytes: int8 per channel, int4 in groups of 32 with float16 scales', async () => {
    const { model: int8Model, steps } = await run(model, [int8({ include: ['dense/kernel'] })]);
    expect(steps[0]!.bytesBefore - steps[0]!.bytesAfter).toBe(64 * 32 * 4 - (64 * 32 + 32 * 4));
    expect(getParam(int8Model, 'dense/kernel').value).toMatchObject({ kind: 'affine', bits: 8, granularity: { kind: 'axis', axis: 1 } });
    const { model: int4Model } = await run(model, [int4({ include: ['fc.weight', 'dense/kernel'] })]);
    // fc.weight [32, 64] groups along its input axis 1; dense/kernel [64, 32] along axis 0.
    expect(getParam(int4Model, 'fc.weight').value).toMatchObject({ granularity: { kind: 'group', axis: 1, size: 32 }, scales: { dtype: 'float16', shape: [32, 2] } });
    expect(getParam(int4Model, 'dense/kernel').value).toMatchObject({ granularity: { kind: 'group', axis: 0, size: 32 }, scales: { shape: [2, 32] } });
  });

  it('int4 groups take the signed-extreme grid by default; a step may ask for absmax, and a step is plain data', async () => {
    const include = ['fc.weight', 'dense/kernel'];
    const { model: byDefault } = await run(model, [int4({ include })]);
    const { model: signedExtreme } = await run(model, [affine({ bits: 4, granularity: { kind: 'group', size: 32 }, grid: 'signed-extreme', include })]);
    const { model: absmax } = await run(model, [affine({ bits: 4, granularity: { kind: 'group', size: 32 }, grid: 'absmax', include })]);
    for (const name of include) {
      expect(getParam(byDefault, name).value).toStrictEqual(getParam(signedExtreme, name).value);
      expect(getParam(byDefault, name).value).not.toStrictEqual(getParam(absmax, name).value);
    }
    expect(JSON.parse(JSON.stringify(affine({ bits: 4, grid: 'absmax' })))).toStrictEqual(affine({ bits: 4, grid: 'absmax' }));
  });

  it('select with include, exclude and roles, and quantize biases only when asked', async () => {
    const { model: result } = await run(model, [int8({ exclude: ['conv/**', 'embedding/**'] }), float16({ roles: ['bias', 'norm-gamma'] })]);
    expect(getParam(result, 'conv/kernel')).toBe(getParam(model, 'conv/kernel'));
    expect(getParam(result, 'dense/kernel').value.kind).toBe('affine');
    expect(getParam(result, 'dense/bias').value).toMatchObject({ kind: 'dense', tensor: { dtype: 'float16' } });
    expect(getParam(result, 'layer_norm/gamma').value).toMatchObject({ kind: 'dense', tensor: { dtype: 'float16' } });
    // The float16 step saw int8 weights and left them alone.
    expect(getParam(result, 'dense/kernel').value.kind).toBe('affine');
  });

  it('never mutate the input model', async () => {
    const snapshot = structuredClone([...model.params.entries()]);
    await run(model, [int4(), kmeans({ bits: 2 }), uint8()]);
    expect([...model.params.entries()]).toStrictEqual(snapshot);
  });

  it("quantize a sparse param's nonzero values (prune, then quantize)", async () => {
    const kernel = getParam(model, 'dense/kernel');
    const dense = decode(kernel.value);
    const sparse = sparseFromDense(
      hostTensor('float32', dense.shape, (dense.data as Float32Array).map((value) => (Math.abs(value) < 0.5 ? 0 : value))),
      { kind: 'bitmask' },
      (values) => castDense(values, 'float32'),
    );
    const pruned = replaceParams(model, new Map([['dense/kernel', sparse]]));
    const { model: result } = await run(pruned, [kmeans({ bits: 4, include: ['dense/kernel'] })]);
    const value = getParam(result, 'dense/kernel').value;
    expect(value).toMatchObject({ kind: 'sparse', values: { kind: 'codebook', bits: 4 } });
    const decoded = decode(value).data as Float32Array;
    (decode(sparse).data as Float32Array).forEach((original, index) => {
      if (original === 0) expect(decoded[index]).toBe(0);
      else expect(Math.abs(decoded[index]! - original)).toBeLessThan(0.1);
    });
  });

  it('name the param and step when a tensor holds NaN', async () => {
    const broken = modelFromTensors({ 'good/kernel': hostTensor('float32', [2, 2]), 'bad/kernel': hostTensor('float32', [2, 2], Float32Array.from([0, 1, Number.NaN, 2])) });
    for (const step of [int8(), uint8(), kmeans({ bits: 2 }), int4()]) {
      const error = await run(broken, [float16({ include: ['good/*'] }), step]).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(WhittleError);
      expect(error).toMatchObject({ code: 'invalid-tensor', step: 2, field: 'params["bad/kernel"].data[2]' });
      expect((error as Error).message).toMatch(/param "bad\/kernel": element 2 is NaN/);
    }
  });

  it('report an explicit axis a param lacks as a recipe error naming the param', async () => {
    const error = await run(model, [affine({ bits: 8, granularity: { kind: 'axis', axis: 3 } })]).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid-recipe', step: 1, field: 'granularity.axis', message: expect.stringContaining('param "dense/kernel"') });
  });

  it('keep params already stored as the target half float', async () => {
    const { model: half } = await run(model, [float16()]);
    const { model: again } = await run(half, [float16()]);
    for (const name of WEIGHTS) expect(getParam(again, name)).toBe(getParam(half, name));
  });

  it('stop when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(compress(model, [int8()], { registry, signal: controller.signal })).rejects.toThrow('stop');
  });
});

describe('half-float handlers', () => {
  it('refuse float16 overflow and non-finite weights, naming the param', async () => {
    const wide = modelFromTensors({ 'big/kernel': hostTensor('float32', [2, 2], Float32Array.from([1, 65504, -70000, 0])) });
    await expect(run(wide, [float16()])).rejects.toMatchObject({ code: 'invalid-tensor', field: 'params["big/kernel"].data[2]' });
    const { model: brain } = await run(wide, [bfloat16()]);
    expect(Array.from(decode(getParam(brain, 'big/kernel').value).data)).toEqual([1, 65536, -70144, 0]);
    const broken = modelFromTensors({ 'bad/kernel': hostTensor('float32', [2, 2], Float32Array.from([1, Infinity, 0, 0])) });
    await expect(run(broken, [bfloat16()])).rejects.toMatchObject({ code: 'invalid-tensor', field: 'params["bad/kernel"].data[1]' });
  });
});

describe('streaming', () => {
  it('every handler but GPTQ (which needs calibration across the layer) works param by param', () => {
    const perParam = quantizeHandlers.filter((handler) => handler.perParam === true).map((handler) => handler.kind);
    expect(perParam.sort()).toEqual(
      ['quantize.affine', 'quantize.bfloat16', 'quantize.float16', 'quantize.kmeans', 'quantize.uint16', 'quantize.uint8'].sort(),
    );
  });
});

describe('quantize handlers in listings and progress', () => {
  const model = testModel();

  it('report each selected param as it is done, in model order', async () => {
    const seen: string[] = [];
    await compress(model, [int8({ exclude: ['embedding/**'] })], {
      registry,
      onProgress: ({ step, param, done, total }) => seen.push(`${step} ${param} ${done}/${total}`),
    });
    // Selected: every weight-role param but the embedding, integer ones too (they are then kept).
    const expected = [...model.params.values()]
      .filter(({ name, role }) => WEIGHT_ROLES.includes(role) && !name.startsWith('embedding/'))
      .map(({ name }) => name);
    expect(expected).toContain('ids/kernel');
    expect(seen).toEqual(expected.map((name, index) => `1 ${name} ${index + 1}/${expected.length}`));
  });

  it('each list an example step that validates unchanged and runs on a model of every role', async () => {
    for (const handler of quantizeHandlers) {
      if (handler.kind === 'quantize.gptq') continue;
      expect(handler.example, handler.kind).toBeDefined();
      expect(handler.defaultRoles, handler.kind).toBeDefined();
      expect(handler.validate(handler.example!, { step: 1 }), handler.kind).toMatchObject(handler.example!);
      await run(model, [handler.example!]);
    }
  });
});
