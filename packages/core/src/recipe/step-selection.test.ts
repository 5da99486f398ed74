import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import { PARAM_ROLES, WEIGHT_ROLES } from '../model/param-roles.ts';
import type { ParamRole } from '../model/types.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { cast, castHandler } from './cast.ts';
import { compress } from './compress.ts';
import { createRecipeRegistry } from './registry.ts';
import { checkRecipeSelection, checkStepSelection, stepFilter, type FilterTarget } from './step-selection.ts';

const params: FilterTarget[] = [
  { name: 'dense/kernel', role: 'dense-kernel' },
  { name: 'dense/bias', role: 'bias' },
  { name: 'head/kernel', role: 'dense-kernel' },
];

describe('checkStepSelection', () => {
  it('counts the params a filter selects', () => {
    expect(checkStepSelection(params, {}, WEIGHT_ROLES, 1)).toBe(2);
    expect(checkStepSelection(params, { include: ['dense/*'] }, WEIGHT_ROLES, 1)).toBe(1);
    expect(checkStepSelection(params, { exclude: ['head/**'], roles: ['bias', 'dense-kernel'] }, WEIGHT_ROLES, 1)).toBe(2);
  });

  it('names the step and the glob when an include or exclude glob matches no param', () => {
    expect(() => checkStepSelection(params, { include: ['dense/*', 'encoder/**'] }, WEIGHT_ROLES, 2)).toThrow(
      expect.objectContaining({ code: 'invalid-recipe', step: 2, field: 'include[1]' }),
    );
    expect(() => checkStepSelection(params, { include: ['encoder/**'] }, WEIGHT_ROLES, 2)).toThrow(
      'step 2: include[0]: "encoder/**" matches no param (names look like "dense/kernel", "dense/bias", "head/kernel")',
    );
    expect(() => checkStepSelection(params, { exclude: ['Head/**'] }, WEIGHT_ROLES, 1)).toThrow(
      /^step 1: exclude\[0\]: "Head\/\*\*" matches no param/,
    );
  });

  it('rejects a filter whose parts each match but that selects nothing together', () => {
    expect(() => checkStepSelection(params, { include: ['dense/*'], exclude: ['dense/**'] }, WEIGHT_ROLES, 3)).toThrow(
      'step 3: exclude: exclude leaves no param that include selects',
    );
    expect(() => checkStepSelection(params, { include: ['**/bias'] }, WEIGHT_ROLES, 1)).toThrow(
      expect.objectContaining({
        step: 1,
        field: 'roles',
        message: expect.stringContaining('none of the params its globs select has a default role (dense-kernel,'),
      }),
    );
    expect(() => checkStepSelection(params, { roles: ['embedding'] }, WEIGHT_ROLES, 1)).toThrow(
      /^step 1: roles: the step selects no param: none of the model's params has a role in roles \(embedding\); their roles are dense-kernel, bias$/,
    );
    expect(() => checkStepSelection([], {}, WEIGHT_ROLES, 1)).toThrow('step 1: roles: the step selects no param: the model has no params');
  });

  it('passes exactly when every glob matches some name and some param passes the whole filter', () => {
    const names = fc.constantFrom('a/x', 'a/y', 'b/x', 'b/y/z');
    const targets = fc.uniqueArray(
      fc.record({ name: names, role: fc.constantFrom<ParamRole>(...PARAM_ROLES) }),
      { selector: (target) => target.name, maxLength: 4 },
    );
    const globs = fc.array(fc.constantFrom('a/*', 'b/**', '*/x', '**/z', 'c', '**'), { maxLength: 2 });
    const filters = fc.record(
      { include: globs, exclude: globs, roles: fc.subarray([...PARAM_ROLES]) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(targets, filters, (list, filter) => {
        // Plain reference: the glob matches by the same compiled matcher's definition, written out.
        const matches = (glob: string, name: string): boolean =>
          ({
            'a/*': /^a\/[^/]*$/,
            'b/**': /^b(\/.*)?$/,
            '*/x': /^[^/]*\/x$/,
            '**/z': /^(.*\/)?z$/,
            c: /^c$/,
            '**': /^.*$/,
          })[glob]!.test(name);
        const roles = filter.roles ?? WEIGHT_ROLES;
        const everyGlobMatches = [...(filter.include ?? []), ...(filter.exclude ?? [])].every((glob) =>
          list.some(({ name }) => matches(glob, name)),
        );
        const selected = list.filter(
          ({ name, role }) =>
            roles.includes(role) &&
            (filter.include === undefined || filter.include.some((glob) => matches(glob, name))) &&
            !(filter.exclude ?? []).some((glob) => matches(glob, name)),
        ).length;
        if (everyGlobMatches && selected > 0) expect(checkStepSelection(list, filter, WEIGHT_ROLES, 1)).toBe(selected);
        else expect(() => checkStepSelection(list, filter, WEIGHT_ROLES, 1)).toThrow(expect.objectContaining({ code: 'invalid-recipe', step: 1 }));
      }),
      { numRuns: 500 },
    );
  });
});

describe('checkRecipeSelection', () => {
  it('checks each step that declares default roles, numbering steps from 1', () => {
    const registry = createRecipeRegistry([castHandler, { kind: 'free', description: 'no filter', effect: 're-encodes-params', validate: (step) => step, apply: (model) => model }]);
    expect(() => checkRecipeSelection([cast('float16'), { kind: 'free', include: ['nothing'] }], params, registry)).not.toThrow();
    expect(() => checkRecipeSelection([cast('float16'), cast('bfloat16', { include: ['nothing'] })], params, registry)).toThrow(
      expect.objectContaining({ step: 2, field: 'include[0]' }),
    );
  });

  it('reads a step filter from its fields', () => {
    expect(stepFilter({ kind: 'cast', dtype: 'float16', include: ['a'], roles: ['bias'] })).toStrictEqual({ include: ['a'], roles: ['bias'] });
    expect(stepFilter({ kind: 'cast', include: 'a' })).toStrictEqual({});
  });
});

describe('compress and empty selections', () => {
  const model = modelFromTensors({
    'dense/kernel': hostTensor('float32', [2, 2], Float32Array.of(1, 2, 3, 4)),
    'dense/bias': hostTensor('float32', [2]),
  });

  it('fails before the step runs when its filter selects nothing, unless told the model is a part', async () => {
    await expect(compress(model, [cast('float16', { include: ['dense_1/*'] })])).rejects.toThrow(
      /^step 1: include\[0\]: "dense_1\/\*" matches no param/,
    );
    await expect(compress(model, [cast('float16'), cast('float32', { exclude: ['nope'] })])).rejects.toMatchObject({ step: 2, field: 'exclude[0]' });
    const { steps } = await compress(model, [cast('float16', { include: ['dense_1/*'] })], { requireSelection: false });
    expect(steps[0]?.bytesAfter).toBe(steps[0]?.bytesBefore);
  });
});
