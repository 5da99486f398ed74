import { WhittleError } from '@whittle/core';
import { describe, expect, test } from 'vitest';
import { gaussianSketch } from './gaussian-sketch.ts';
import { orthonormalBasis } from './orthonormal-basis.ts';
import { orthonormalityError, seededNormals } from './reference-maths.test-support.ts';

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WhittleError);
    return (error as WhittleError).field;
  }
  return undefined;
}

describe('orthonormalBasis', () => {
  test('spans the columns with orthonormal vectors, also for dependent and zero columns', () => {
    const values = Float64Array.from(seededNormals(40 * 6, 4));
    for (let i = 0; i < 40; i++) {
      values[i * 6 + 3] = values[i * 6]! * 2; // dependent
      values[i * 6 + 5] = 0; // zero
    }
    const q = orthonormalBasis(values, 40, 6);
    expect(orthonormalityError(q, 40, 6)).toBeLessThan(1e-12);
    // Column 1 of the input lies in the span of Q's first two columns.
    for (const column of [0, 1]) {
      const residual = Array.from({ length: 40 }, (_, i) => values[i * 6 + column]!);
      for (let k = 0; k <= column; k++) {
        let dot = 0;
        for (let i = 0; i < 40; i++) dot += q[i * 6 + k]! * values[i * 6 + column]!;
        for (let i = 0; i < 40; i++) residual[i]! -= dot * q[i * 6 + k]!;
      }
      expect(Math.hypot(...residual)).toBeLessThan(1e-12);
    }
  });

  test('rejects wide, mis-sized and non-finite input', () => {
    expect(fieldOf(() => orthonormalBasis(new Float64Array(6), 2, 3))).toBe('shape.columns');
    expect(fieldOf(() => orthonormalBasis(new Float64Array(5), 3, 2))).toBe('values');
    expect(fieldOf(() => orthonormalBasis(new Float64Array([Number.NaN, 0]), 2, 1))).toBe('values[0]');
  });
});

describe('gaussianSketch', () => {
  test('is seeded and standard normal', () => {
    const sketch = gaussianSketch(20_001, 3);
    expect(gaussianSketch(20_001, 3)).toEqual(sketch);
    expect(gaussianSketch(20_001, 4)).not.toEqual(sketch);
    const mean = sketch.reduce((sum, value) => sum + value, 0) / sketch.length;
    const variance = sketch.reduce((sum, value) => sum + (value - mean) ** 2, 0) / sketch.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(sketch.every(Number.isFinite)).toBe(true);
  });

  test('rejects counts it would not allocate and bad seeds', () => {
    expect(fieldOf(() => gaussianSketch(2 ** 40, 0))).toBe('count');
    expect(fieldOf(() => gaussianSketch(-1, 0))).toBe('count');
    expect(fieldOf(() => gaussianSketch(1.5, 0))).toBe('count');
    expect(fieldOf(() => gaussianSketch(4, Number.NaN))).toBe('seed');
  });
});
