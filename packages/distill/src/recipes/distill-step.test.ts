import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isWhittleError, type RecipeStep } from '@whittle/core';
import { DISTILL_KIND, distillStep, validateDistillStep } from './distill-step.ts';

/** The error `validateDistillStep` throws for `step`, or undefined when it passes. */
function rejection(step: Record<string, unknown>): unknown {
  try {
    validateDistillStep({ kind: DISTILL_KIND, ...step } as RecipeStep, { step: 3 });
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('validateDistillStep', () => {
  it('fills in the defaults of distill and the Hinton loss', () => {
    expect(validateDistillStep({ kind: 'distill', student: { width: 0.5 } }, { step: 1 })).toStrictEqual({
      kind: 'distill',
      student: { width: 0.5 },
      epochs: 1,
      batchSize: 32,
      temperature: 4,
      alpha: 0.1,
      optimizer: 'adam',
      seed: 0,
    });
  });

  it('keeps every setting given', () => {
    const step = distillStep({ student: { width: 0.25, multipleOf: 4, rank: 8 }, epochs: 3, batchSize: 64, temperature: 2, alpha: 0.5, optimizer: 'sgd', learningRate: 0.05, seed: 9 });
    expect(JSON.parse(JSON.stringify(step))).toStrictEqual(step);
    expect(validateDistillStep(step, { step: 1 })).toStrictEqual({ ...step, student: { width: 0.25, multipleOf: 4, rank: 8 } });
  });

  it('refuses hostile settings with an invalid-recipe error naming the step and field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'student'],
      [{ student: null }, 'student'],
      [{ student: '{"width":0.5}' }, 'student'],
      [{ student: [0.5] }, 'student'],
      [{ student: {} }, 'student'],
      [{ student: { width: 2 } }, 'student.width'],
      [{ student: { width: 0 } }, 'student.width'],
      [{ student: { width: '0.5' } }, 'student.width'],
      [{ student: { width: 0.5, depth: 3 } }, 'student.depth'],
      [{ student: { multipleOf: 8 } }, 'student.multipleOf'],
      [{ student: { rank: 1e12 } }, 'student.rank'],
      [{ student: { rank: 4, lowRankBudget: 0.5 } }, 'student.lowRankBudget'],
      [{ student: { separable: 'yes' } }, 'student.separable'],
      [{ student: { width: 0.5 }, epochs: 0 }, 'epochs'],
      [{ student: { width: 0.5 }, epochs: 1e9 }, 'epochs'],
      [{ student: { width: 0.5 }, epochs: 1.5 }, 'epochs'],
      [{ student: { width: 0.5 }, batchSize: -1 }, 'batchSize'],
      [{ student: { width: 0.5 }, batchSize: 2 ** 40 }, 'batchSize'],
      [{ student: { width: 0.5 }, temperature: 0 }, 'temperature'],
      [{ student: { width: 0.5 }, temperature: Number.NaN }, 'temperature'],
      [{ student: { width: 0.5 }, temperature: Infinity }, 'temperature'],
      [{ student: { width: 0.5 }, alpha: 1.5 }, 'alpha'],
      [{ student: { width: 0.5 }, alpha: -0.1 }, 'alpha'],
      [{ student: { width: 0.5 }, optimizer: 'lion' }, 'optimizer'],
      [{ student: { width: 0.5 }, learningRate: 0 }, 'learningRate'],
      [{ student: { width: 0.5 }, learningRate: '0.1' }, 'learningRate'],
      [{ student: { width: 0.5 }, seed: -1 }, 'seed'],
      [{ student: { width: 0.5 }, teacher: 'big.json' }, 'teacher'],
    ];
    for (const [step, field] of cases) {
      const error = rejection(step);
      expect(isWhittleError(error, 'invalid-recipe'), `${JSON.stringify(step)}: ${String(error)}`).toBe(true);
      expect((error as { field?: string }).field, String(error)).toBe(field);
      expect((error as { step?: number }).step).toBe(3);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('accepts every width in (0, 1] and refuses every other number, whatever else the step holds', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: false }), fc.integer({ min: 1, max: 50 }), (width, epochs) => {
        const error = rejection({ student: { width }, epochs });
        if (width > 0 && width <= 1) expect(error).toBeUndefined();
        else expect((error as { field?: string }).field).toBe('student.width');
      }),
    );
  });
});
