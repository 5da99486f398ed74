import { describe, expect, it } from 'vitest';
import { PARAM_ROLES, WEIGHT_ROLES, isParamRole, roleAxes } from './param-roles.ts';
import type { ParamRole } from './types.ts';

describe('roleAxes', () => {
  it.each([
    ['dense-kernel', 2, 1, 0],
    ['linear-weight', 2, 0, 1],
    ['conv2d-kernel', 4, 3, 2],
    ['conv2d-kernel', 3, 2, 1],
    ['conv2d-transpose-kernel', 4, 2, 3],
    ['depthwise-kernel', 4, 2, undefined],
    ['pointwise-kernel', 4, 3, 2],
    ['embedding', 2, 0, undefined],
    ['bias', 1, 0, undefined],
    ['norm-gamma', 1, 0, undefined],
    ['norm-variance', 1, 0, undefined],
    ['other', 2, undefined, undefined],
    ['dense-kernel', 1, undefined, undefined],
    ['bias', 2, undefined, undefined],
  ] as const)('%s of rank %i: output %s, input %s', (role, rank, outputAxis, inputAxis) => {
    expect(roleAxes(role, rank)).toEqual({ outputAxis, inputAxis });
  });

  it('gives axes inside the rank for every role and rank', () => {
    for (const role of PARAM_ROLES) {
      for (let rank = 0; rank <= 6; rank++) {
        const { outputAxis, inputAxis } = roleAxes(role, rank);
        for (const axis of [outputAxis, inputAxis]) if (axis !== undefined) expect(axis).toBeLessThan(rank);
        if (outputAxis !== undefined && inputAxis !== undefined) expect(outputAxis).not.toBe(inputAxis);
      }
    }
  });

  it('rejects a bad rank with a typed error', () => {
    expect(() => roleAxes('bias', -1)).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'rank' }));
  });
});

// Written out by hand and keyed by the type: tsc refuses a role missing here or one that ParamRole
// lacks, and the tests below refuse a PARAM_ROLES that lost or gained one.
const EXPECTED_ROLES: Record<ParamRole, { readonly weight: boolean }> = {
  'dense-kernel': { weight: true },
  'linear-weight': { weight: true },
  'conv2d-kernel': { weight: true },
  'conv2d-transpose-kernel': { weight: true },
  'depthwise-kernel': { weight: true },
  'pointwise-kernel': { weight: true },
  embedding: { weight: true },
  bias: { weight: false },
  'norm-gamma': { weight: false },
  'norm-beta': { weight: false },
  'norm-mean': { weight: false },
  'norm-variance': { weight: false },
  other: { weight: false },
};
const expectedRoles = Object.keys(EXPECTED_ROLES);

describe('roles', () => {
  it('PARAM_ROLES lists exactly the roles written out here, each once', () => {
    expect([...PARAM_ROLES].sort()).toEqual([...expectedRoles].sort());
    expect(new Set(PARAM_ROLES).size).toBe(PARAM_ROLES.length);
  });

  it('isParamRole accepts each role written out here and nothing else', () => {
    for (const role of expectedRoles) expect(isParamRole(role)).toBe(true);
    const nearMisses = ['kernel', 'Dense-kernel', 'dense_kernel', 'dense-kernel ', ' bias', 'embeddings', 'norm', 'norm-', ''];
    // Names an object-keyed lookup would wrongly accept.
    const prototypeKeys = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'];
    for (const value of [...nearMisses, ...prototypeKeys, undefined, null, 0, {}, ['bias'], new String('bias')]) {
      expect(isParamRole(value)).toBe(false);
    }
  });

  it('the default weight roles are the kernels, linear weights and embeddings, and no bias or norm', () => {
    const weights = expectedRoles.filter((role) => EXPECTED_ROLES[role as ParamRole].weight);
    expect([...WEIGHT_ROLES].sort()).toEqual(weights.sort());
  });
});
