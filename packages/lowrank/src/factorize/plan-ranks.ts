/**
 * Which rank each selected matrix keeps under a step's criterion, and which matrices stay whole
 * because factorizing them would not cut their parameters.
 */
import { WhittleError, type StepLocation } from '@whittle/core';
import { selectRank, selectRanksForBudget, type SingularValueDecomposition } from '../linalg/index.ts';
import type { LowRankSvdStep } from './factorize-options.ts';
import { located } from './located.ts';
import { exactDecomposition, type MatrixSize } from './matrix-factors.ts';

/** A matrix a step may factorize: its name (a param's, or a layer's), size and values. */
export interface FactorizeTarget {
  readonly name: string;
  readonly size: MatrixSize;
  /** The matrix's float32 values, row-major; read only when the criterion needs its spectrum. */
  readonly values: () => Float32Array;
}

/** What the plan decided for one target. */
export type RankDecision =
  | {
      readonly target: FactorizeTarget;
      /** The rank kept: r·(rows + columns) < rows·columns. */
      readonly rank: number;
      /** The exact SVD taken to choose the rank, reused for the factors. */
      readonly decomposition?: SingularValueDecomposition;
    }
  | { readonly target: FactorizeTarget; readonly reason: string };

/**
 * True when `config`'s criterion needs each matrix's whole spectrum (energy, tolerance, a budget
 * shared by the model); `rank` and a per-layer budget fix the rank from shapes alone.
 *
 * @example
 * ```ts
 * needsSpectrum({ kind: 'lowrank.svd', rank: 8 }); // false
 * ```
 */
export function needsSpectrum(config: LowRankSvdStep): boolean {
  return config.energy !== undefined || config.tolerance !== undefined || (config.budget !== undefined && config.budgetScope !== 'layer');
}

/**
 * The rank of every target under `config` (validated), or why it stays whole: a rank that does
 * not cut parameters (r·(rows + columns) ≥ rows·columns), or a zero matrix under `energy` or
 * `tolerance`. Targets whose criterion needs the spectrum get an exact SVD each, kept in the
 * decision. A budget that leaves a target no rank at all is an `invalid-recipe` error naming
 * `budget`: keeping that matrix whole would break the budget.
 *
 * @example
 * ```ts
 * const [decision] = planRanks([{ name: 'dense/kernel', size: { rows: 784, columns: 256 }, values }], config, { step: 1 });
 * if ('rank' in decision) decision.rank; // 64
 * ```
 */
export function planRanks(targets: readonly FactorizeTarget[], config: LowRankSvdStep, context: StepLocation): RankDecision[] {
  const decompositions = needsSpectrum(config) ? targets.map((target) => located(target.name, context.step, () => exactDecomposition(target.values(), target.size))) : undefined;
  const shared =
    config.budget !== undefined && config.budgetScope !== 'layer'
      ? selectRanksForBudget(
          targets.map((target, index) => ({ ...target.size, singularValues: decompositions![index]!.singularValues })),
          config.budget,
        )
      : undefined;
  return targets.map((target, index): RankDecision => {
    const { rows, columns } = target.size;
    const decomposition = decompositions?.[index];
    let rank: number;
    if (config.rank !== undefined) rank = Math.min(config.rank, rows, columns);
    else if (shared !== undefined) {
      const chosen = shared.layers[index]!;
      if (!chosen.factorize) return { target, reason: 'the budget keeps it whole: its share would not cut its parameters' };
      rank = chosen.rank;
    } else if (config.budget !== undefined) {
      rank = selectRank(new Float64Array(Math.min(rows, columns)), rows, columns, { budget: config.budget }).rank;
    } else {
      const criterion = config.energy !== undefined ? { energy: config.energy } : { tolerance: config.tolerance! };
      rank = selectRank(decomposition!.singularValues, rows, columns, criterion).rank;
    }
    if (rank === 0) {
      if (config.budget !== undefined) {
        throw new WhittleError(
          'invalid-recipe',
          `budget ${config.budget} leaves ${JSON.stringify(target.name)} no rank: raise the budget or exclude it`,
          { step: context.step, field: 'budget' },
        );
      }
      return { target, reason: 'it is all zeros' };
    }
    if (rank * (rows + columns) >= rows * columns) {
      return { target, reason: `rank ${rank} would not cut its parameters (${rank}·(${rows} + ${columns}) ≥ ${rows}·${columns})` };
    }
    return decomposition === undefined ? { target, rank } : { target, rank, decomposition };
  });
}
