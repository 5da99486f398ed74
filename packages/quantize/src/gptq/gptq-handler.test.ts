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
  type HostTensor,
} from '@whittle/core';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { gptqHandler } from './gptq-handler.ts';
import { gptqQuantize, rtnQuantize } from './gptq-quantize.ts';
import { GPTQ_KIND, gptq, validateGptqStep } from './gptq-step.ts';
import { accumulateHessian } from './hessian.ts';
import { correlatedInputs, denseOutputError, normalMatrix, transpose } from './test-layers.ts';

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

const registry = createRecipeRegistry([castHandler, gptqHandler]);
const config = (settings: Parameters<typeof gptq>[0]) => validateGptqStep(gptq(settings), { step: 1 });

describe('quantize.gptq handler', () => {
  it('needs the calibration resource, checked before step 1', async () => {
    expect(gptqHandler.needs?.(config({ bits: 4 })).map(({ name }) => name)).toEqual(['calibration']);
    await expect(compress(model, [cast('float16'), gptq({ bits: 4 })], { registry })).rejects.toMatchObject({
      code: 'missing-resource',
      step: 2,
      field: 'resources.calibration',
    });
    await expect(compress(model, [gptq({ bits: 4 })], { registry, resources: { calibration: 'digits.safetensors' } })).rejects.toMatchObject({
      code: 'invalid-argument',
      field: 'resources.calibration',
    });
  });

  it('quantizes each selected Dense and Linear param with its own layer inputs, given by param name', async () => {
    const calibration = new Map([
      ['hidden/kernel', hiddenInputs],
      ['head.weight', headInputs],
    ]);
    const { model: quantized } = await compress(model, [gptq({ bits: 4, groupSize: 16 }), cast('float16')], { registry, resources: { calibration } });
    const hidden = getParam(quantized, 'hidden/kernel').value;
    const expected = await gptqQuantize(decode(getParam(model, 'hidden/kernel').value), hiddenInputs, { bits: 4, groupSize: 16 });
    expect(hidden).toStrictEqual(expected.encoding);
    expect(getParam(quantized, 'head.weight').value).toMatchObject({ kind: 'affine', bits: 4, shape: [4, 16] });
    expect(getParam(quantized, 'head.weight').value).toMatchObject({ granularity: { kind: 'group', axis: 1 } });
    expect(getParam(quantized, 'hidden/bias').value).toBe(getParam(model, 'hidden/bias').value);
    expect(getParam(model, 'hidden/kernel').value.kind).toBe('dense');
  });

  it('accepts Hessians, and shares one source between params', async () => {
    let calls = 0;
    const shared = {
      *[Symbol.iterator]() {
        calls++;
        yield hiddenInputs;
      },
    };
    const twin = modelFromTensors({ 'a/kernel': normalMatrix(32, 4, 1), 'b/kernel': normalMatrix(32, 4, 2) });
    const result = await gptqHandler.apply(twin, config({ bits: 3 }), { step: 1, resources: { calibration: { 'a/kernel': shared, 'b/kernel': shared } } });
    expect(calls).toBe(1);
    expect(getParam(result, 'b/kernel').value.kind).toBe('affine');
    const hessian = await accumulateHessian(hiddenInputs);
    const fromHessian = await gptqHandler.apply(twin, config({ bits: 3 }), { step: 1, resources: { calibration: { 'a/kernel': hessian, 'b/kernel': hessian } } });
    expect(getParam(fromHessian, 'a/kernel').value).toStrictEqual(getParam(result, 'a/kernel').value);
  });

  it('lists an example step and reports each quantized param as done', async () => {
    expect(gptqHandler.validate(gptqHandler.example!, { step: 1 })).toMatchObject({ kind: 'quantize.gptq', bits: 4, groupSize: 128 });
    expect(gptqHandler.defaultRoles).toEqual(['dense-kernel', 'linear-weight']);
    const twin = modelFromTensors({ 'a/kernel': normalMatrix(32, 4, 1), 'b/kernel': normalMatrix(32, 4, 2) });
    const seen: string[] = [];
    await gptqHandler.apply(twin, config({ bits: 4 }), {
      step: 1,
      resources: { calibration: { 'a/kernel': hiddenInputs, 'b/kernel': hiddenInputs } },
      onParam: (param, done, total) => seen.push(`${param} ${done}/${total}`),
    });
    expect(seen).toEqual(['a/kernel 1/2', 'b/kernel 2/2']);
  });

  it('names the param whose calibration is missing or wrong, and the step', async () => {
    const step = config({ bits: 4 });
    await expect(gptqHandler.apply(model, step, { step: 1, resources: {} })).rejects.toMatchObject({ code: 'missing-resource', field: 'resources.calibration', step: 1 });
    const partial = { calibration: { 'hidden/kernel': hiddenInputs, constructor: headInputs } };
    await expect(gptqHandler.apply(model, step, { step: 1, resources: partial })).rejects.toMatchObject({ field: 'resources.calibration["head.weight"]', step: 1 });
    const onlyHidden = config({ bits: 4, include: ['hidden/*'] });
    await expect(gptqHandler.apply(model, onlyHidden, { step: 1, resources: { calibration: { 'hidden/kernel': headInputs } } })).rejects.toMatchObject({
      field: 'resources.calibration["hidden/kernel"]',
    });
    // With nothing selected, no calibration is read.
    expect(await gptqHandler.apply(model, config({ bits: 4, include: ['nothing'] }), { step: 1, resources: {} })).toMatchObject({ params: model.params });
  });

  it('leaves params that are not dense floats alone', async () => {
    const resources = { calibration: { 'hidden/kernel': hiddenInputs } };
    const once = await compress(model, [gptq({ bits: 4, include: ['hidden/*'] })], { registry, resources });
    const twice = await compress(once.model, [gptq({ bits: 2, include: ['hidden/*'] })], { registry, resources });
    expect(getParam(twice.model, 'hidden/kernel').value).toBe(getParam(once.model, 'hidden/kernel').value);
  });
});

describe('quantize.gptq from batches of model inputs', () => {
  // A Keras MLP 32 → 16 (ReLU) → 8: GPTQ runs it to get each Dense layer's inputs.
  const kernel1 = normalMatrix(32, 16, 31, 0.3);
  const bias1 = normalMatrix(1, 16, 32, 0.1);
  const kernel2 = normalMatrix(16, 8, 33, 0.3);
  const topology = {
    class_name: 'Sequential',
    config: {
      name: 'mlp',
      layers: [
        { class_name: 'Dense', config: { name: 'hidden', units: 16, activation: 'relu', use_bias: true, batch_input_shape: [null, 32] } },
        { class_name: 'Dense', config: { name: 'head', units: 8, activation: 'linear', use_bias: false } },
      ],
    },
  };
  const mlp = modelFromTensors(
    { 'hidden/kernel': kernel1, 'hidden/bias': hostTensor('float32', [16], bias1.data), 'head/kernel': kernel2 },
    { topology },
  );
  const inputs = correlatedInputs(192, 32, 34);

  /** The hidden layer's ReLU outputs, in plain float64 maths: what the head layer sees. */
  function hiddenActivations(): HostTensor<'float32'> {
    const data = new Float32Array(192 * 16);
    for (let row = 0; row < 192; row++) {
      for (let unit = 0; unit < 16; unit++) {
        let sum = bias1.data[unit]!;
        for (let k = 0; k < 32; k++) sum += inputs.data[row * 32 + k]! * kernel1.data[k * 16 + unit]!;
        data[row * 16 + unit] = Math.max(0, sum);
      }
    }
    return { dtype: 'float32', shape: [192, 16], data };
  }

  it("captures every selected layer's inputs by running the model, batch by batch", async () => {
    // Three batches, read again each time the function is called.
    const batches = () => [0, 64, 128].map((start) => ({ inputs: hostTensor('float32', [64, 32], inputs.data.slice(start * 32, (start + 64) * 32)) }));
    const before = tf.memory().numTensors;
    const { model: quantized } = await compress(mlp, [gptq({ bits: 3, groupSize: -1 })], { registry, resources: { calibration: batches } });
    expect(tf.memory().numTensors).toBe(before);
    const head = decode(getParam(quantized, 'head/kernel').value);
    const activations = hiddenActivations();
    // The head layer was calibrated on what it really sees (the hidden layer's ReLU outputs):
    // its output error there matches GPTQ given those activations directly, and beats rounding.
    const reference = await gptqQuantize(kernel2, activations, { bits: 3, groupSize: -1 });
    const rtn = rtnQuantize(kernel2, { bits: 3, groupSize: -1 });
    const error = denseOutputError(activations, kernel2, head);
    expect(error).toBeLessThan(1.02 * denseOutputError(activations, kernel2, decode(reference.encoding)));
    expect(error).toBeLessThan(0.9 * denseOutputError(activations, kernel2, decode(rtn.encoding)));
    // The first layer sees the model's inputs themselves.
    const hidden = await gptqQuantize(kernel1, inputs, { bits: 3, groupSize: -1 });
    expect(denseOutputError(inputs, kernel1, decode(getParam(quantized, 'hidden/kernel').value))).toBeLessThan(1.02 * denseOutputError(inputs, kernel1, decode(hidden.encoding)));
  });

  it('refuses batches for a model that cannot run, and names a bad batch', async () => {
    const checkpoint = modelFromTensors({ 'fc.weight': transpose(normalMatrix(32, 4, 3)) });
    await expect(compress(checkpoint, [gptq({ bits: 4 })], { registry, resources: { calibration: [{ inputs: inputs }] } })).rejects.toMatchObject({
      code: 'invalid-argument',
      field: 'resources.calibration',
      message: expect.stringContaining('no topology'),
    });
    const before = tf.memory().numTensors;
    const bad = [{ inputs: hostTensor('float32', [4, 32]) }, { inputs: hostTensor('float32', [4, 30]) }];
    await expect(compress(mlp, [gptq({ bits: 4 })], { registry, resources: { calibration: bad } })).rejects.toMatchObject({
      code: 'invalid-argument',
      step: 1,
      field: 'resources.calibration[1].inputs',
    });
    await expect(compress(mlp, [gptq({ bits: 4 })], { registry, resources: { calibration: [] } })).rejects.toMatchObject({ field: 'resources.calibration' });
    expect(tf.memory().numTensors).toBe(before);
  });
});
