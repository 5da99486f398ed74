import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantSchedule, polynomialSchedule, readSchedule, sparsityAt, type PolynomialSchedule } from './polynomial-schedule.ts';

const schedules: fc.Arbitrary<PolynomialSchedule> = fc
  .record({
    low: fc.double({ min: 0, max: 0.999, noNaN: true }),
    high: fc.double({ min: 0, max: 0.999, noNaN: true }),
    beginStep: fc.nat(1000),
    span: fc.nat(5000),
    frequency: fc.integer({ min: 1, max: 700 }),
  })
  .map(({ low, high, beginStep, span, frequency }) =>
    polynomialSchedule({ initialSparsity: Math.min(low, high), finalSparsity: Math.max(low, high), beginStep, endStep: beginStep + span, frequency }),
  );

describe('polynomialSchedule and sparsityAt', () => {
  it('is monotone in the step', () => {
    fc.assert(
      fc.property(schedules, fc.nat(8000), fc.nat(8000), (schedule, first, second) => {
        const [early, late] = first <= second ? [first, second] : [second, first];
        expect(sparsityAt(schedule, early)).toBeLessThanOrEqual(sparsityAt(schedule, late));
      }),
    );
  });

  it('is 0 before t0, exactly s_i at t0 and exactly s_f at and after the end', () => {
    fc.assert(
      fc.property(schedules, fc.nat(3000), (schedule, after) => {
        const { beginStep, endStep, initialSparsity, finalSparsity } = schedule;
        if (beginStep > 0) expect(sparsityAt(schedule, beginStep - 1)).toBe(0);
        expect(sparsityAt(schedule, beginStep)).toBe(beginStep === endStep ? finalSparsity : initialSparsity);
        expect(sparsityAt(schedule, endStep)).toBe(finalSparsity);
        expect(sparsityAt(schedule, endStep + after)).toBe(finalSparsity);
      }),
    );
  });

  it('follows the cubic at each update step and holds it until the next', () => {
    fc.assert(
      fc.property(schedules, fc.nat(8000), (schedule, offset) => {
        const { beginStep, endStep, frequency, initialSparsity: si, finalSparsity: sf } = schedule;
        const step = beginStep + (offset % Math.max(1, endStep - beginStep));
        if (step >= endStep) return;
        // The paper's update steps t0 + kΔt, written out plainly.
        let update = beginStep;
        while (update + frequency <= step) update += frequency;
        const expected = sf + (si - sf) * (1 - (update - beginStep) / (endStep - beginStep)) ** 3;
        expect(sparsityAt(schedule, step)).toBeCloseTo(expected, 12);
        expect(sparsityAt(schedule, step)).toBe(sparsityAt(schedule, update));
      }),
    );
  });

  it('gives the worked values and survives JSON', () => {
    const schedule = polynomialSchedule({ initialSparsity: 0.5, finalSparsity: 0.9, beginStep: 10, endStep: 30, frequency: 10 });
    expect([0, 9, 10, 19, 20, 29, 30, 99].map((step) => sparsityAt(schedule, step))).toEqual([0, 0, 0.5, 0.5, 0.85, 0.85, 0.9, 0.9]);
    expect(JSON.parse(JSON.stringify(schedule))).toEqual(schedule);
    expect(polynomialSchedule({ finalSparsity: 0.8, endStep: 400 })).toEqual({
      kind: 'polynomial',
      initialSparsity: 0,
      finalSparsity: 0.8,
      beginStep: 0,
      endStep: 400,
      frequency: 100,
    });
  });

  it('a constant schedule holds its sparsity from step 0', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.99, noNaN: true }), fc.nat(10_000), (sparsity, step) => {
        expect(sparsityAt(constantSchedule(sparsity), step)).toBe(sparsity);
      }),
    );
  });

  it('refuses out-of-range fields with a typed error naming the field', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ finalSparsity: 1, endStep: 10 }, 'finalSparsity'],
      [{ finalSparsity: 0.5, initialSparsity: 0.6, endStep: 10 }, 'finalSparsity'],
      [{ finalSparsity: -0.1, endStep: 10 }, 'finalSparsity'],
      [{ finalSparsity: Number.NaN, endStep: 10 }, 'finalSparsity'],
      [{ finalSparsity: 0.5, endStep: 10, beginStep: 11 }, 'endStep'],
      [{ finalSparsity: 0.5, endStep: 1.5 }, 'endStep'],
      [{ finalSparsity: 0.5, endStep: 10, frequency: 0 }, 'frequency'],
      [{ finalSparsity: 0.5, endStep: 2 ** 60 }, 'endStep'],
      [{ endStep: 10 }, 'finalSparsity'],
    ];
    for (const [options, field] of bad) {
      expect(() => polynomialSchedule(options as never)).toThrow(expect.objectContaining({ code: 'invalid-argument', field }));
    }
    expect(() => readSchedule({ finalSparsity: '0.5', endStep: 10 }, { step: 3 })).toThrow(expect.objectContaining({ code: 'invalid-recipe', field: 'finalSparsity', step: 3 }));
    expect(() => sparsityAt(constantSchedule(0), -1)).toThrow(expect.objectContaining({ field: 'step' }));
    expect(() => sparsityAt(constantSchedule(0), 0.5)).toThrow(expect.objectContaining({ field: 'step' }));
  });
});
