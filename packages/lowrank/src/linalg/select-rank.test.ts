import { WhittleError } from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { selectRank } from './select-rank.ts';
import { selectRanksForBudget } from './select-ranks-for-budget.ts';

/** A matrix shape with a sorted, non-negative spectrum of min(rows, columns) values. */
const spectrumCase = fc
  .tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }))
  .chain(([rows, columns]) =>
    fc
      .array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 100, noNaN: true })), {
        minLength: Math.min(rows, columns),
        maxLength: Math.min(rows, columns),
      })
      .map((values) => ({ rows, columns, singularValues: values.sort((a, b) => b - a) })),
  );

/** √(Σ_{i≥r} σᵢ²)/√(Σ σᵢ²), summed plainly. */
function relativeError(values: readonly number[], rank: number): number {
  const total = values.reduce((sum, value) => sum + value * value, 0);
  const discarded = values.slice(rank).reduce((sum, value) => sum + value * value, 0);
  return total === 0 ? 0 : Math.sqrt(discarded / total);
}

describe('selectRank', () => {
  test('energy: the smallest rank keeping at least that fraction of Σσ²', () => {
    fc.assert(
      fc.property(spectrumCase, fc.double({ min: 1e-6, max: 1, noNaN: true }), ({ rows, columns, singularValues }, energy) => {
        const total = singularValues.reduce((sum, value) => sum + value * value, 0);
        const kept = (rank: number): number => singularValues.slice(0, rank).reduce((sum, value) => sum + value * value, 0);
        const { rank, factorize } = selectRank(singularValues, rows, columns, { energy });
        expect(kept(rank)).toBeGreaterThanOrEqual(energy * total * (1 - 1e-12));
        if (rank > 0) expect(kept(rank - 1)).toBeLessThan(energy * total);
        expect(factorize).toBe(rank * (rows + columns) < rows * columns);
      }),
      { numRuns: 300 },
    );
  });

  test('tolerance: the smallest rank whose relative Frobenius error is within it', () => {
    fc.assert(
      fc.property(spectrumCase, fc.double({ min: 0, max: 1.5, noNaN: true }), ({ rows, columns, singularValues }, tolerance) => {
        const selection = selectRank(singularValues, rows, columns, { tolerance });
        expect(relativeError(singularValues, selection.rank)).toBeLessThanOrEqual(tolerance + 1e-12);
        if (selection.rank > 0) expect(relativeError(singularValues, selection.rank - 1)).toBeGreaterThan(tolerance - 1e-12);
        expect(selection.relativeError).toBeCloseTo(relativeError(singularValues, selection.rank), 10);
      }),
      { numRuns: 300 },
    );
  });

  test('budget: the largest rank whose factors fit in that fraction of rows·columns', () => {
    fc.assert(
      fc.property(spectrumCase, fc.double({ min: 0, max: 1, noNaN: true }), ({ rows, columns, singularValues }, budget) => {
        const { rank, parameters, factorize } = selectRank(singularValues, rows, columns, { budget });
        expect(parameters).toBe(rank * (rows + columns));
        expect(parameters).toBeLessThanOrEqual(budget * rows * columns);
        if (rank < singularValues.length) expect((rank + 1) * (rows + columns)).toBeGreaterThan(budget * rows * columns);
        // A budget below 1 is only met by factors smaller than the matrix.
        if (budget < 1 && rank > 0) expect(factorize).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('rank: kept as given up to the spectrum length; factorize only where it saves parameters', () => {
    expect(selectRank([3, 2, 1], 3, 3, { rank: 1 })).toMatchObject({ rank: 1, factorize: true, parameters: 6 });
    // r < 3·3/6 = 1.5: rank 2 costs 12 > 9.
    expect(selectRank([3, 2, 1], 3, 3, { rank: 2 })).toMatchObject({ rank: 2, factorize: false });
    expect(selectRank([3, 2, 1], 3, 3, { rank: 99 }).rank).toBe(3);
    expect(selectRank([0, 0], 2, 5, { energy: 0.5 })).toMatchObject({ rank: 0, energy: 1, relativeError: 0 });
  });

  test('rejects bad criteria and spectra with typed errors', () => {
    const cases: [unknown, unknown, unknown, unknown, string][] = [
      [[2, 1], 2, 2, { energy: 0 }, 'criterion.energy'],
      [[2, 1], 2, 2, { energy: 1.5 }, 'criterion.energy'],
      [[2, 1], 2, 2, { tolerance: -1 }, 'criterion.tolerance'],
      [[2, 1], 2, 2, { budget: Number.NaN }, 'criterion.budget'],
      [[2, 1], 2, 2, { rank: 1.5 }, 'criterion.rank'],
      [[2, 1], 2, 2, { rank: 1, energy: 0.5 }, 'criterion'],
      [[2, 1], 2, 2, {}, 'criterion'],
      [[2, 1], 2, 2, null, 'criterion'],
      [[1, 2], 2, 2, { rank: 1 }, 'singularValues[1]'],
      [[2, -1], 2, 2, { rank: 1 }, 'singularValues[1]'],
      [[Number.NaN], 2, 2, { rank: 1 }, 'singularValues[0]'],
      [[3, 2, 1], 2, 2, { rank: 1 }, 'singularValues'],
      ['abc', 2, 2, { rank: 1 }, 'singularValues'],
      [[1], 0, 2, { rank: 1 }, 'rows'],
      [[1], 2, 2.5, { rank: 1 }, 'columns'],
    ];
    for (const [values, rows, columns, criterion, field] of cases) {
      let caught: unknown;
      try {
        selectRank(values as number[], rows as number, columns as number, criterion as { rank: number });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(WhittleError);
      expect((caught as WhittleError).field).toBe(field);
    }
  });
});

describe('selectRanksForBudget', () => {
  test('meets the whole-model budget and beats every uniform budget split in total error', () => {
    fc.assert(
      fc.property(fc.array(spectrumCase, { minLength: 1, maxLength: 6 }), fc.double({ min: 0, max: 1, noNaN: true }), (layers, budget) => {
        const selection = selectRanksForBudget(layers, budget);
        const original = layers.reduce((sum, layer) => sum + layer.rows * layer.columns, 0);
        expect(selection.originalParameters).toBe(original);
        const spent = selection.layers.reduce(
          (sum, choice, index) =>
            sum + (choice.factorize ? choice.rank * (layers[index]!.rows + layers[index]!.columns) : layers[index]!.rows * layers[index]!.columns),
          0,
        );
        expect(selection.parameters).toBe(spent);
        // A layer is kept dense only where its greedy rank cost more than the matrix: never over budget.
        expect(selection.parameters).toBeLessThanOrEqual(budget * original + 1e-9);
        const squaredError = (ranks: readonly number[]): number =>
          layers.reduce(
            (sum, layer, index) => sum + layer.singularValues.slice(ranks[index]).reduce((total, value) => total + value * value, 0),
            0,
          );
        const chosen = selection.layers.map((choice) => (choice.factorize ? choice.rank : Number.POSITIVE_INFINITY));
        // The same budget fraction applied to each layer alone also fits; greedy must do no worse.
        const uniform = layers.map((layer) => selectRank(layer.singularValues, layer.rows, layer.columns, { budget }).rank);
        expect(squaredError(chosen)).toBeLessThanOrEqual(squaredError(uniform) * (1 + 1e-9) + 1e-9);
      }),
      { numRuns: 300 },
    );
  });

  test('is within the first triplet that did not fit of the best choice found by enumeration', () => {
    const small = fc
      .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
      .chain(([rows, columns]) =>
        fc
          .array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: Math.min(rows, columns), maxLength: Math.min(rows, columns) })
          .map((values) => ({ rows, columns, singularValues: values.sort((a, b) => b - a) })),
      );
    fc.assert(
      fc.property(fc.array(small, { minLength: 1, maxLength: 3 }), fc.double({ min: 0, max: 1, noNaN: true }), (layers, budget) => {
        const allowed = budget * layers.reduce((sum, layer) => sum + layer.rows * layer.columns, 0);
        // Every combination of ranks 0 … k per layer, plus keeping it dense (rank k at rows·columns),
        // whose whole-number cost is at most the allowance: the budget itself, with no slack that
        // would admit a choice over it (4 params against 3.999999999 allowed).
        let best = Number.POSITIVE_INFINITY;
        const visit = (index: number, cost: number, error: number): void => {
          if (cost > allowed) return;
          if (index === layers.length) {
            best = Math.min(best, error);
            return;
          }
          const { rows, columns, singularValues } = layers[index]!;
          for (let rank = 0; rank <= singularValues.length; rank++) {
            const discarded = singularValues.slice(rank).reduce((sum, value) => sum + value * value, 0);
            visit(index + 1, cost + rank * (rows + columns), error + discarded);
          }
          visit(index + 1, cost + rows * columns, error);
        };
        visit(0, 0, 0);
        const selection = selectRanksForBudget(layers, budget);
        const error = selection.layers.reduce(
          (sum, choice, index) =>
            sum + (choice.factorize ? layers[index]!.singularValues.slice(choice.rank).reduce((total, value) => total + value * value, 0) : 0),
          0,
        );
        const largestTriplet = Math.max(0, ...layers.flatMap((layer) => layer.singularValues.map((value) => value * value)));
        expect(error).toBeGreaterThanOrEqual(best - 1e-9);
        expect(error).toBeLessThanOrEqual(best + largestTriplet + 1e-9);
      }),
      // A budget a hair under the dense size: only rank 0 fits, and the enumeration must agree.
      { numRuns: 300, examples: [[[{ rows: 2, columns: 2, singularValues: [0.0001482963562011715, 0.00003162277660168381] }], 0.99999999975]] },
    );
  });

  test('spends a budget on the layer whose triplets remove most error per parameter', () => {
    const steep = { rows: 10, columns: 10, singularValues: [10, 9, 8, 0, 0, 0, 0, 0, 0, 0] };
    const flat = { rows: 10, columns: 10, singularValues: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] };
    // 0.3 of 200 = 60 parameters: three triplets of 20.
    const { layers } = selectRanksForBudget([flat, steep], 0.3);
    expect(layers.map((layer) => layer.rank)).toEqual([0, 3]);
  });

  test('rejects bad budgets and layers with typed errors', () => {
    const layer = { rows: 2, columns: 2, singularValues: [2, 1] };
    for (const [layers, budget, field] of [
      [[layer], 1.5, 'budget'],
      [[layer], Number.NaN, 'budget'],
      ['x', 0.5, 'layers'],
      [[null], 0.5, 'layers[0]'],
      [[{ ...layer, rows: -1 }], 0.5, 'layers[0].rows'],
      [[{ ...layer, singularValues: [1, 2] }], 0.5, 'layers[0].singularValues[1]'],
    ] as const) {
      let caught: unknown;
      try {
        selectRanksForBudget(layers as never, budget);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(WhittleError);
      expect((caught as WhittleError).field).toBe(field);
    }
  });
});
