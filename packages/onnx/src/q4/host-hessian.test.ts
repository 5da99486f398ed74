import { hostTensor } from '@whittle/core';
import { describe, expect, test } from 'vitest';
import { hostHessian } from './host-hessian.ts';

describe('hostHessian', () => {
  test('is 2/n · XᵀX, written out by hand for two rows', () => {
    // X = [[1, 2], [3, -1]]: XᵀX = [[10, -1], [-1, 5]], n = 2.
    const hessian = hostHessian(hostTensor('float32', [2, 2], new Float32Array([1, 2, 3, -1])), 2);
    expect(hessian.samples).toBe(2);
    expect(Array.from(hessian.matrix.data)).toEqual([10, -1, -1, 5]);
  });

  test('rows of another width are refused naming the weight', () => {
    expect(() => hostHessian(hostTensor('float32', [2, 3]), 4, 'w1')).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'calibration.w1' }));
  });
});
