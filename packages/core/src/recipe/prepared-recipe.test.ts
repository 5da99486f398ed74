import { describe, expect, it } from 'vitest';
import { decode } from '../encoding/index.ts';
import { WhittleError } from '../errors.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import type { Param } from '../model/types.ts';
import { castHandler } from './cast.ts';
import { createRecipeRegistry } from './registry.ts';
import { checkPreparedSelection, encodePreparedParam, preparedParamEncoder, PreparedTally, prepareRecipe } from './prepared-recipe.ts';
import { checkStepSelection } from './step-selection.ts';
import type { RecipeHandler } from './types.ts';

const kernel: Param = { name: 'dense/kernel', role: 'dense-kernel', shape: [2, 2], value: { kind: 'dense', tensor: hostTensor('float32', [2, 2], Float32Array.from([0.1, -2, 3.3, 1e-9])) } };
const bias: Param = { name: 'dense/bias', role: 'bias', shape: [2], value: { kind: 'dense', tensor: hostTensor('float32', [2], Float32Array.from([1, 2])) } };

/** The cast handler without `encodeParam`: streamed through its own `apply` on a one-param model. */
const castByApply: RecipeHandler = renamedCast('cast-by-apply', { encodeParam: undefined });

/** The cast handler under another kind (its `validate` would name the step `cast`). */
function renamedCast(kind: string, changes: Partial<RecipeHandler>): RecipeHandler {
  return {
    ...castHandler,
    kind,
    validate: (step, context) => ({ ...castHandler.validate({ ...step, kind: 'cast' }, context), kind }),
    ...changes,
  } as RecipeHandler;
}

/** A per-param handler whose `whole: true` setting needs the whole model. */
const settingDependent: RecipeHandler = {
  kind: 'test.setting',
  description: 'a step whose settings decide whether it streams',
  effect: 're-encodes-params',
  perParam: true,
  defaultRoles: ['dense-kernel'],
  validate: (step) => step,
  apply: (model) => model,
  streamsConfig: (config) => config.whole !== true,
};

const registry = createRecipeRegistry([castHandler, castByApply, settingDependent]);

describe('prepareRecipe', () => {
  it('decides streaming per config where the handler can tell', () => {
    expect(prepareRecipe([{ kind: 'test.setting' }], { registry }).streams).toBe(true);
    const whole = prepareRecipe([{ kind: 'cast', dtype: 'float16' }, { kind: 'test.setting', whole: true }], { registry });
    expect(whole.streams).toBe(false);
    expect(whole.wholeModelKinds).toEqual(['test.setting']);
  });

  it('validates the recipe once, naming the step', () => {
    expect(() => prepareRecipe([{ kind: 'cast', dtype: 'int4' }], { registry })).toThrow(/step 1: dtype/);
  });
});

describe('encodePreparedParam', () => {
  it('re-encodes the params a step selects, and reports sizes after each step', async () => {
    const prepared = prepareRecipe([{ kind: 'cast', dtype: 'float16' }], { registry });
    const half = await encodePreparedParam(prepared, kernel);
    expect(half.param.value.kind === 'dense' && half.param.value.tensor.dtype).toBe('float16');
    // Plain float16 rounding, checked by hand: 0.1 → 0.0999755859375, 1e-9 → 0.
    expect(Array.from(decode(half.param.value).data as Float32Array)).toEqual([0.0999755859375, -2, 3.30078125, 0]);
    expect(half.sizes).toEqual([
      { params: 4, bytes: 16 },
      { params: 4, bytes: 8 },
    ]);
    // A bias is not a default role of cast.
    expect((await encodePreparedParam(prepared, bias)).param).toBe(bias);
  });

  it('encodes at once when every step has encodeParam, summing figures over params', async () => {
    const prepared = prepareRecipe([{ kind: 'cast', dtype: 'float16' }, { kind: 'cast', dtype: 'bfloat16' }], { registry });
    const tally = new PreparedTally(2);
    const encode = preparedParamEncoder(prepared, tally);
    const first = encode(kernel);
    const second = encode(bias);
    expect(first).not.toBeInstanceOf(Promise);
    expect(second).toBe(bias);
    const value = (first as Param).value;
    expect(value.kind === 'dense' && value.tensor.dtype).toBe('bfloat16');
    // Kernel 4 float32 → 4 float16 → 4 bfloat16 params; the float32 bias (2) is left alone by both steps.
    expect([...tally.params]).toEqual([6, 6, 6]);
    expect([...tally.bytes]).toEqual([16 + 8, 8 + 8, 8 + 8]);
    expect(tally.seconds.every((seconds) => seconds >= 0)).toBe(true);
  });

  it('returns a promise only for a step run through apply, with the figures of every step', async () => {
    const prepared = prepareRecipe([{ kind: 'cast-by-apply', dtype: 'float16' }, { kind: 'cast', dtype: 'bfloat16' }], { registry });
    const tally = new PreparedTally(2);
    const pending = preparedParamEncoder(prepared, tally)(kernel);
    expect(pending).toBeInstanceOf(Promise);
    const value = (await pending).value;
    expect(value.kind === 'dense' && value.tensor.dtype).toBe('bfloat16');
    expect([...tally.bytes]).toEqual([16, 8, 8]);
  });

  it('runs a per-param handler without encodeParam through its apply, with the same result', async () => {
    const direct = await encodePreparedParam(prepareRecipe([{ kind: 'cast', dtype: 'bfloat16' }], { registry }), kernel);
    const byApply = await encodePreparedParam(prepareRecipe([{ kind: 'cast-by-apply', dtype: 'bfloat16' }], { registry }), kernel);
    expect(prepareRecipe([{ kind: 'cast-by-apply', dtype: 'bfloat16' }], { registry }).steps[0]!.handler.encodeParam).toBeUndefined();
    expect(byApply.param).toEqual(direct.param);
    expect(byApply.param.value.kind === 'dense' && byApply.param.value.tensor.dtype).toBe('bfloat16');
  });

  it('refuses a recipe that needs the whole model', async () => {
    const prepared = prepareRecipe([{ kind: 'test.setting', whole: true }], { registry });
    await expect(encodePreparedParam(prepared, kernel)).rejects.toThrow(/needs the whole model \(test\.setting\)/);
  });

  it('names the param and the step in an encoder error', async () => {
    const nan: Param = { ...kernel, value: { kind: 'dense', tensor: hostTensor('float32', [2, 2], Float32Array.from([0, Number.NaN, 0, 0])) } };
    const failing = renamedCast('failing', {
      encodeParam: () => {
        throw new WhittleError('invalid-tensor', 'element 1 is NaN', { field: 'data[1]' });
      },
    });
    const prepared = prepareRecipe([{ kind: 'cast', dtype: 'float16' }, { kind: 'failing', dtype: 'float16' }], { registry: createRecipeRegistry([castHandler, failing]) });
    await expect(encodePreparedParam(prepared, nan)).rejects.toThrow('step 2: params["dense/kernel"].data[1]: param "dense/kernel": element 1 is NaN');
  });
});

describe('checkPreparedSelection', () => {
  const names = ['dense/kernel', 'dense/bias', 'head/kernel'];
  const targets = { count: names.length, nameAt: (index: number) => names[index]!, roleAt: (index: number) => (names[index]!.endsWith('bias') ? ('bias' as const) : ('dense-kernel' as const)) };

  it('passes a recipe whose every glob matches and every step selects something', () => {
    expect(() => checkPreparedSelection(prepareRecipe([{ kind: 'cast', dtype: 'float16', include: ['head/*'], exclude: ['dense/bias'] }], { registry }), targets)).not.toThrow();
  });

  it.each([
    [{ include: ['encoder/**'] }],
    [{ exclude: ['nothing'] }],
    [{ include: ['dense/*'], exclude: ['dense/*'] }],
    [{ roles: ['embedding'] }],
  ])('throws what checkStepSelection throws for %j', (filter) => {
    const prepared = prepareRecipe([{ kind: 'cast', dtype: 'float16' }, { kind: 'cast', dtype: 'float16', ...filter }], { registry });
    let expected: unknown;
    try {
      checkStepSelection(names.map((name, index) => ({ name, role: targets.roleAt(index) })), filter as never, castHandler.defaultRoles!, 2);
    } catch (error) {
      expected = error;
    }
    expect(expected).toBeInstanceOf(WhittleError);
    expect(() => checkPreparedSelection(prepared, targets)).toThrow((expected as Error).message);
  });
});
