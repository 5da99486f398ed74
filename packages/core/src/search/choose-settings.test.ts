import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWhittleError } from '../errors.ts';
import { chooseSettings, type ChoiceGroup } from './choose-settings.ts';

/** Every combination, plainly: the least loss within the budget, or undefined. */
function bruteForce(groups: readonly ChoiceGroup[], budget: number): { loss: number } | undefined {
  let best: number | undefined;
  const walk = (index: number, cost: number, loss: number): void => {
    if (index === groups.length) {
      if (cost <= budget && (best === undefined || loss < best)) best = loss;
      return;
    }
    for (const option of groups[index]!) walk(index + 1, cost + option.cost, loss + option.loss);
  };
  walk(0, 0, 0);
  return best === undefined ? undefined : { loss: best };
}

const option = fc.record({ cost: fc.integer({ min: 0, max: 60 }), loss: fc.double({ min: 0, max: 1, noNaN: true }) });
const instance = fc.record({
  groups: fc.array(fc.array(option, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
  budget: fc.integer({ min: 0, max: 250 }),
});

describe('chooseSettings', () => {
  it('finds the least loss within the budget, as brute force over every combination does', () => {
    fc.assert(
      fc.property(instance, ({ groups, budget }) => {
        const choice = chooseSettings(groups, budget);
        const expected = bruteForce(groups, budget);
        if (expected === undefined) {
          expect(choice).toBeUndefined();
          return;
        }
        expect(choice).toBeDefined();
        expect(choice!.optimal).toBe(true);
        expect(choice!.cost).toBeLessThanOrEqual(budget);
        expect(choice!.loss).toBeCloseTo(expected.loss, 9);
        const recomputed = choice!.picks.reduce((sum, pick, index) => sum + groups[index]![pick]!.cost, 0);
        expect(recomputed).toBe(choice!.cost);
      }),
      { numRuns: 400 },
    );
  });

  it('holds the budget with the Lagrangian choice and greedy repair alone (no branch and bound)', () => {
    fc.assert(
      fc.property(instance, ({ groups, budget }) => {
        const choice = chooseSettings(groups, budget, { maxNodes: 0 });
        const expected = bruteForce(groups, budget);
        if (expected === undefined) {
          expect(choice).toBeUndefined();
          return;
        }
        expect(choice!.cost).toBeLessThanOrEqual(budget);
        expect(choice!.loss).toBeGreaterThanOrEqual(expected.loss - 1e-9);
      }),
      { numRuns: 300 },
    );
  });

  it('says when the node limit stopped the proof, and still returns a choice within the budget', () => {
    const groups = Array.from({ length: 14 }, (_, index) =>
      Array.from({ length: 6 }, (_, position) => ({ cost: 10 + ((index * 7 + position * 13) % 17) - position, loss: ((index + 1) * (position + 3)) % 11 / 10 })),
    );
    const cheapest = groups.reduce((sum, group) => sum + Math.min(...group.map(({ cost }) => cost)), 0);
    const budget = cheapest + 20;
    const choice = chooseSettings(groups, budget, { maxNodes: 5 });
    expect(choice!.cost).toBeLessThanOrEqual(budget);
    expect(choice!.optimal).toBe(false);
  });

  it('refuses non-finite figures and empty groups with typed errors', () => {
    for (const [groups, budget] of [
      [[[]], 5],
      [[[{ cost: Number.NaN, loss: 0 }]], 5],
      [[[{ cost: 1, loss: 0 }]], Number.POSITIVE_INFINITY],
    ] as const) {
      let caught: unknown;
      try {
        chooseSettings(groups as unknown as ChoiceGroup[], budget);
      } catch (error) {
        caught = error;
      }
      expect(isWhittleError(caught)).toBe(true);
    }
  });
});
