import { describe, expect, it, vi } from 'vitest';
import { castDense } from '../encoding/index.ts';
import { getParam } from '../model/model-queries.ts';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import { replaceParams } from '../model/replace-params.ts';
import type { Model } from '../model/types.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { cast, castHandler } from './cast.ts';
import { compress } from './compress.ts';
import { createRecipeRegistry } from './registry.ts';
import type { RecipeHandler } from './types.ts';

const model = modelFromTensors({
  'dense/kernel': hostTensor('float32', [8, 4], Float32Array.from({ length: 32 }, (_, index) => index / 3)),
  'dense/bias': hostTensor('float32', [4]),
  'norm/gamma': hostTensor('float32', [4]),
});

/** Records the order steps ran in; halves one param by casting it, to show each sees the last result. */
function recorder(kind: string, log: string[]): RecipeHandler {
  return {
    kind,
    description: 'test',
    effect: 're-encodes-params' as const,
    validate: (step) => step,
    apply(input) {
      log.push(kind);
      const param = getParam(input, 'dense/bias');
      const tensor = param.value.kind === 'dense' ? param.value.tensor : hostTensor('float32', [4]);
      return replaceParams(input, new Map([['dense/bias', castDense(tensor, 'float16')]]));
    },
  };
}

describe('compress', () => {
  it('runs steps in order and reports each one', async () => {
    const log: string[] = [];
    const registry = createRecipeRegistry([castHandler, recorder('first', log), recorder('second', log)]);
    const onStep = vi.fn();
    const { model: result, steps } = await compress(model, [{ kind: 'first' }, cast('float16'), { kind: 'second' }], { registry, onStep });
    expect(log).toEqual(['first', 'second']);
    expect(steps.map((step) => step.kind)).toEqual(['first', 'cast', 'second']);
    expect(steps.map((step) => [step.bytesBefore, step.bytesAfter])).toEqual([
      [160, 152],
      [152, 88],
      [88, 88],
    ]);
    expect(steps.every((step) => step.paramsBefore === 40 && step.paramsAfter === 40 && step.seconds >= 0)).toBe(true);
    expect(onStep).toHaveBeenCalledTimes(3);
    expect(onStep.mock.calls[1]?.[0]).toBe(steps[1]);
    expect(getParam(result, 'dense/kernel').value).toMatchObject({ tensor: { dtype: 'float16' } });
  });

  it('halves the bytes of the selected params exactly and leaves biases and norms alone', async () => {
    const { model: result, steps } = await compress(model, [cast('float16')]);
    expect(steps[0]).toMatchObject({ bytesBefore: 160, bytesAfter: 160 - 32 * 2 });
    expect(getParam(result, 'dense/bias')).toBe(getParam(model, 'dense/bias'));
    expect(getParam(result, 'norm/gamma')).toBe(getParam(model, 'norm/gamma'));
  });

  it('never mutates its input', async () => {
    const snapshot = structuredClone([...model.params.entries()]);
    const params = model.params;
    await compress(model, [cast('bfloat16', { roles: ['bias', 'norm-gamma', 'dense-kernel'] })]);
    expect(model.params).toBe(params);
    expect([...model.params.entries()]).toStrictEqual(snapshot);
  });

  it('validates the whole recipe before running any step', async () => {
    const log: string[] = [];
    const registry = createRecipeRegistry([recorder('first', log), castHandler]);
    await expect(compress(model, [{ kind: 'first' }, { kind: 'nope' }], { registry })).rejects.toMatchObject({
      code: 'unknown-kind',
      step: 2,
    });
    await expect(compress(model, [{ kind: 'first' }, { kind: 'cast', dtype: 'float8' }], { registry })).rejects.toMatchObject({
      code: 'invalid-recipe',
      step: 2,
      field: 'dtype',
    });
    expect(log).toEqual([]);
  });

  it('stops between steps when aborted', async () => {
    const controller = new AbortController();
    const log: string[] = [];
    const registry = createRecipeRegistry([recorder('first', log)]);
    const onStep = () => controller.abort(new Error('enough'));
    await expect(compress(model, [{ kind: 'first' }, { kind: 'first' }], { registry, signal: controller.signal, onStep })).rejects.toThrow('enough');
    expect(log).toEqual(['first']);
  });

  it('refuses a handler that returns no model', async () => {
    const registry = createRecipeRegistry([
      { kind: 'broken', description: '', effect: 're-encodes-params', validate: (step) => step, apply: () => ({}) as Model },
    ]);
    await expect(compress(model, [{ kind: 'broken' }], { registry })).rejects.toMatchObject({ code: 'invalid-model', step: 1 });
  });

  it('reports each param a step finishes, with the step number, the kind and done of total', async () => {
    const progress: string[] = [];
    await compress(model, [cast('float16'), cast('bfloat16', { roles: ['bias', 'norm-gamma'] })], {
      onProgress: ({ step, steps, kind, param, done, total }) => progress.push(`${step}/${steps} ${kind} ${param} ${done}/${total}`),
    });
    expect(progress).toEqual([
      '1/2 cast dense/kernel 1/1',
      '2/2 cast dense/bias 1/2',
      '2/2 cast norm/gamma 2/2',
    ]);
  });

  it('gives handlers no progress callback when nobody listens', async () => {
    const seen: unknown[] = [];
    const registry = createRecipeRegistry([
      { kind: 'spy', description: '', effect: 're-encodes-params', validate: (step) => step, apply: (input, _config, context) => (seen.push(context.onParam), input) },
    ]);
    await compress(model, [{ kind: 'spy' }], { registry });
    expect(seen).toEqual([undefined]);
  });
});

describe('step notes', () => {
  it('collects what each step noted, in order, in its report', async () => {
    const noting: RecipeHandler = {
      kind: 'noting',
      description: 'notes twice',
      effect: 're-encodes-params',
      validate: (step) => step,
      apply(input, _config, context) {
        context.note?.('left group 3 alone: it feeds a Softmax');
        context.note?.('kept 1 channel of dense/kernel');
        return input;
      },
    };
    const registry = createRecipeRegistry([noting, castHandler]);
    const { steps } = await compress(model, [{ kind: 'noting' }, cast('float16')], { registry });
    expect(steps.map(({ notes }) => notes)).toEqual([['left group 3 alone: it feeds a Softmax', 'kept 1 channel of dense/kernel'], []]);
  });
});
