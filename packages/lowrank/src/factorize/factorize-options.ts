/**
 * The settings of a `lowrank.svd` step: which rank each selected matrix keeps, how its SVD is
 * taken, and whether the layers are rewritten or the params stored as `lowrank` encodings.
 */
import type { ParamFilter, RecipeStep } from '@whittle/core';

/** How a step decomposes each matrix: the exact thin SVD, or a randomized truncated one. */
export const SVD_METHODS = ['exact', 'randomized'] as const;

/** One of {@link SVD_METHODS}. */
export type SvdMethod = (typeof SVD_METHODS)[number];

/** What a `budget` is shared by: every selected matrix together, or each matrix on its own. */
export const BUDGET_SCOPES = ['model', 'layer'] as const;

/** One of {@link BUDGET_SCOPES}. */
export type BudgetScope = (typeof BUDGET_SCOPES)[number];

/** The fields that choose the rank; a step gives exactly one. */
export const RANK_FIELDS = ['rank', 'energy', 'budget', 'tolerance'] as const;

/** The fields of a randomized decomposition, accepted only with `method: 'randomized'`. */
export const RANDOMIZED_FIELDS = ['oversampling', 'powerIterations', 'seed'] as const;

/** Options of {@link lowRankSvd}: exactly one of `rank`, `energy`, `budget`, `tolerance`. */
export interface LowRankSvdOptions extends ParamFilter {
  /** Keep this many singular values of every matrix (capped at min(rows, columns)); an integer ≥ 1. */
  readonly rank?: number;
  /** Keep the fewest singular values whose Σσ² is at least this fraction of the total, 0 < energy ≤ 1. */
  readonly energy?: number;
  /**
   * Parameters after, as a fraction of the selected matrices' parameters before, 0 < budget < 1:
   * shared by every selected matrix (`budgetScope: 'model'`, the default; ranks go where they
   * remove the most error) or met by each on its own (`'layer'`).
   */
  readonly budget?: number;
  /** Keep the fewest singular values whose relative Frobenius error is at most this, 0 < tolerance < 1. */
  readonly tolerance?: number;
  /** With `budget`: `model` (default) or `layer`. */
  readonly budgetScope?: BudgetScope;
  /**
   * `exact` (default): the exact thin SVD, accurate for any matrix, its work growing as
   * rows·columns·min(rows, columns). `randomized`: a seeded randomized SVD of the kept rank, much
   * faster for large matrices; it needs `rank` or a `budget` with `budgetScope: 'layer'`, the
   * criteria that fix the rank from shapes alone, and a tfjs backend.
   */
  readonly method?: SvdMethod;
  /** Randomized only: extra sketch columns (default 10). */
  readonly oversampling?: number;
  /** Randomized only: power iterations (default 2). */
  readonly powerIterations?: number;
  /** Randomized only: the sketch's seed (default 0). */
  readonly seed?: number;
  /**
   * `true`: Dense and Conv2D layers become two stock layers each (the model's topology changes).
   * `false`: each selected param becomes a `lowrank` encoding (weights-only checkpoints, any param
   * of rank ≥ 2). Absent: `true` for a model whose topology has Dense or Conv2D layers, else `false`.
   */
  readonly rewrite?: boolean;
}

/** A `lowrank.svd` step. */
export interface LowRankSvdStep extends RecipeStep, LowRankSvdOptions {
  /** The recipe kind. */
  readonly kind: 'lowrank.svd';
}

/**
 * A `lowrank.svd` step: plain JSON data. Factorizes every selected matrix W (rows × columns, a
 * param's last axis being the columns) as A·B with A = U_r·√Σ_r and B = √Σ_r·V_rᵀ, where it cuts
 * parameters: r·(rows + columns) < rows·columns.
 *
 * @example
 * ```ts
 * const { model: smaller, steps } = await compress(model, [lowRankSvd({ budget: 0.25 })]);
 * steps[0]?.notes; // the layers left whole, and why
 * const checkpoint = lowRankSvd({ rank: 8, rewrite: false });
 * ```
 */
export function lowRankSvd(options: LowRankSvdOptions): LowRankSvdStep {
  const step: Record<string, unknown> = { kind: 'lowrank.svd' };
  for (const [field, value] of Object.entries(options)) {
    if (value === undefined) continue;
    step[field] = Array.isArray(value) ? [...value] : value;
  }
  return step as unknown as LowRankSvdStep;
}
