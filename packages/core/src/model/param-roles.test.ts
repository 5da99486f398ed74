import { describe, expect, it } from 'vitest';
import { PARAM_ROLES, WEIGHT_ROLES, isParamRole, roleAxes } from './param-roles.ts';

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

describe('roles', () => {
  it('knows every role and no other string', () => {
    for (const role of PARAM_ROLES) expect(isParamRole(role)).toBe(true);
    expect(isParamRole('kernel')).toBe(false);
    expect(isParamRole(undefined)).toBe(false);
  });

  it('leaves biases and norms out of the default weight roles', () => {
    expect(WEIGHT_ROLES).not.toContain('bias');
    expect(WEIGHT_ROLES.some((role) => role.startsWith('norm-'))).toBe(false);
    expect(WEIGHT_ROLES).toContain('dense-kernel');
  });
});
