import { describe, expect, it } from 'vitest';
import { hostTensor } from '../tensor/host-tensor.ts';
import { modelFromTensors } from './model-from-tensors.ts';
import { matchesFilter, selectParams } from './param-filter.ts';
import { WEIGHT_ROLES } from './param-roles.ts';

const model = modelFromTensors({
  'encoder/dense/kernel': hostTensor('float32', [4, 4]),
  'encoder/dense/bias': hostTensor('float32', [4]),
  'encoder/norm/gamma': hostTensor('float32', [4]),
  'decoder/dense/kernel': hostTensor('float32', [4, 4]),
  'head/kernel': hostTensor('float32', [4, 2]),
});
const names = (filter: Parameters<typeof selectParams>[1]) => selectParams(model, filter, WEIGHT_ROLES).map((param) => param.name);

describe('param filters', () => {
  it('selects weights only by default: biases and norms are left alone', () => {
    expect(names({})).toEqual(['encoder/dense/kernel', 'decoder/dense/kernel', 'head/kernel']);
  });

  it('applies include, then exclude, then roles', () => {
    expect(names({ include: ['encoder/**'] })).toEqual(['encoder/dense/kernel']);
    expect(names({ include: ['encoder/**'], roles: ['bias', 'norm-gamma'] })).toEqual(['encoder/dense/bias', 'encoder/norm/gamma']);
    expect(names({ exclude: ['head/*'] })).toEqual(['encoder/dense/kernel', 'decoder/dense/kernel']);
    expect(names({ include: ['*/dense/*'], exclude: ['decoder/**'] })).toEqual(['encoder/dense/kernel']);
    expect(names({ include: [] })).toEqual([]);
    expect(names({ roles: [] })).toEqual([]);
  });

  it('tests one param the same way', () => {
    const bias = model.params.get('encoder/dense/bias')!;
    expect(matchesFilter(bias, {}, WEIGHT_ROLES)).toBe(false);
    expect(matchesFilter(bias, { roles: ['bias'] }, WEIGHT_ROLES)).toBe(true);
    expect(matchesFilter(bias, { roles: ['bias'], exclude: ['**/bias'] }, WEIGHT_ROLES)).toBe(false);
  });
});
