import { describe, expect, test } from 'vitest';
import { normalizeGranularity, scalesShape } from './granularity.ts';
import { matrixDimensions } from './matrix-shape.ts';

describe('granularity', () => {
  test('scalesShape per tensor, per axis and per group (shorter last group)', () => {
    expect(scalesShape([4, 10], { kind: 'tensor' })).toEqual([]);
    expect(scalesShape([4, 10], { kind: 'axis', axis: 1 })).toEqual([10]);
    expect(scalesShape([4, 10], { kind: 'group', axis: 1, size: 4 })).toEqual([4, 3]);
    expect(scalesShape([3, 3, 8, 16], { kind: 'group', axis: 2, size: 8 })).toEqual([3, 3, 1, 16]);
  });

  test('normalizeGranularity counts negative axes from the end and leaves the rest alone', () => {
    expect(normalizeGranularity({ kind: 'group', axis: -1, size: 2 }, 3)).toEqual({ kind: 'group', axis: 2, size: 2 });
    expect(normalizeGranularity({ kind: 'axis', axis: 1 }, 3)).toEqual({ kind: 'axis', axis: 1 });
    expect(normalizeGranularity({ kind: 'axis', axis: -4 }, 3)).toEqual({ kind: 'axis', axis: -4 });
    expect(normalizeGranularity({ kind: 'tensor' }, 0)).toEqual({ kind: 'tensor' });
  });

  test('matrixDimensions: columns are the last axis, rows the rest', () => {
    expect(matrixDimensions([3, 3, 8, 16])).toEqual({ rows: 72, columns: 16 });
    expect(matrixDimensions([5])).toEqual({ rows: 1, columns: 5 });
    expect(matrixDimensions([])).toEqual({ rows: 1, columns: 1 });
  });
});
