import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWhittleError } from '@whittle/core';
import { checkSchedule, learningRateAt } from './learning-rate-schedule.ts';

const position = fc.record({ epochs: fc.integer({ min: 1, max: 50 }), learningRate: fc.double({ min: 1e-6, max: 1, noNaN: true }) });

describe('learningRateAt', () => {
  it('anneals along half a cosine from the starting rate to the minimum, never rising', () => {
    fc.assert(
      fc.property(position, fc.double({ min: 0, max: 1, noNaN: true }), ({ epochs, learningRate }, share) => {
        const minimum = learningRate * share;
        const rates = Array.from({ length: epochs }, (_, index) => learningRateAt({ kind: 'cosine', minimum }, { epoch: index + 1, step: index + 1, epochs, learningRate }));
        expect(rates[0]).toBeCloseTo(learningRate, 12);
        if (epochs > 1) expect(rates[epochs - 1]).toBeCloseTo(minimum, 12);
        for (let index = 1; index < epochs; index++) expect(rates[index]!).toBeLessThanOrEqual(rates[index - 1]! + 1e-15);
        for (const rate of rates) expect(rate).toBeGreaterThanOrEqual(minimum - 1e-15);
      }),
    );
  });

  it('multiplies by the factor every `every` epochs, and keeps a constant rate constant', () => {
    fc.assert(
      fc.property(position, fc.integer({ min: 1, max: 5 }), fc.double({ min: 0.01, max: 1, noNaN: true }), ({ epochs, learningRate }, every, factor) => {
        for (let epoch = 1; epoch <= epochs; epoch++) {
          const at = { epoch, step: epoch, epochs, learningRate };
          // Epochs 1..every run at the starting rate, the next `every` at rate·factor, and so on.
          let expected = learningRate;
          for (let start = every + 1; start <= epoch; start += every) expected *= factor;
          expect(learningRateAt({ kind: 'step', every, factor }, at)).toBeCloseTo(expected, 12);
          expect(learningRateAt({ kind: 'constant' }, at)).toBe(learningRate);
        }
      }),
    );
  });

  it('refuses malformed schedules and bad rates from a schedule function', () => {
    for (const [schedule, field] of [
      [null, 'schedule'],
      [{ kind: 'exponential' }, 'schedule'],
      [{ kind: 'step' }, 'schedule.every'],
      [{ kind: 'step', every: 2, factor: 0 }, 'schedule.factor'],
      [{ kind: 'cosine', minimum: -1 }, 'schedule.minimum'],
    ] as const) {
      let caught: unknown;
      try {
        checkSchedule(schedule);
      } catch (error) {
        caught = error;
      }
      expect(isWhittleError(caught, 'invalid-argument')).toBe(true);
      expect((caught as { field: string }).field).toBe(field);
    }
    expect(() => learningRateAt(() => -1, { epoch: 1, step: 1, epochs: 1, learningRate: 1 })).toThrow(/finite number ≥ 0/);
  });
});
