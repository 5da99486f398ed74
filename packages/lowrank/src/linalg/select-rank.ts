/**
 * Rank selection for one matrix from its singular values: by fixed rank, spectral energy kept,
 * reconstruction-error tolerance or parameter budget, with the decision whether factorizing at
 * that rank saves parameters at all.
 */
import { WhittleError } from '@whittle/core';

/** How {@link selectRank} chooses: exactly one criterion. */
export type RankCriterion =
  /** Keep this many singular values (capped at how many there are). */
  | { readonly rank: number }
  /** The smallest rank whose kept Σσ² is at least `energy` (0 < energy ≤ 1) of the total. */
  | { readonly energy: number }
  /** The smallest rank whose relative Frobenius error √(Σ discarded σ²)/‖A‖ is ≤ `tolerance` (≥ 0). */
  | { readonly tolerance: number }
  /** The largest rank whose factors hold at most `budget` (0 ≤ budget ≤ 1) of rows·columns parameters. */
  | { readonly budget: number };

/** The names of {@link RankCriterion}'s members. */
export const RANK_CRITERIA = ['rank', 'energy', 'tolerance', 'budget'] as const;

/** What {@link selectRank} chose for one matrix. */
export interface RankSelection {
  /** The chosen rank r. */
  readonly rank: number;
  /** Whether r·(rows + columns) < rows·columns, i.e. the factors are smaller than the matrix. */
  readonly factorize: boolean;
  /** Parameters of the two factors: r·(rows + columns). */
  readonly parameters: number;
  /** Parameters of the matrix: rows·columns. */
  readonly originalParameters: number;
  /** Σ kept σ² / Σ σ² (1 for a zero matrix). */
  readonly energy: number;
  /** Relative Frobenius error of the rank-r truncation, √(Σ discarded σ²)/‖A‖ (0 for a zero matrix). */
  readonly relativeError: number;
}

/**
 * Chooses the rank to keep of a `rows × columns` matrix whose singular values are
 * `singularValues` (sorted, non-negative, the full spectrum as {@link svd} returns it: energy and
 * tolerance are measured against their total). `factorize` says whether the factors at that rank
 * are smaller than the matrix (r < rows·columns / (rows + columns)); callers keep the matrix
 * dense when it is false.
 *
 * @example
 * ```ts
 * const { singularValues } = svd(weights, { rows: 512, columns: 256 });
 * const { rank, factorize } = selectRank(singularValues, 512, 256, { energy: 0.9 });
 * ```
 */
export function selectRank(
  singularValues: ArrayLike<number>,
  rows: number,
  columns: number,
  criterion: RankCriterion,
): RankSelection {
  checkDimension(rows, 'rows');
  checkDimension(columns, 'columns');
  const squares = checkSpectrum(singularValues, Math.min(rows, columns));
  // kept[r] = Σ_{i<r} σᵢ², summed from the smallest value up for the tail's accuracy.
  const count = squares.length;
  const tail = new Float64Array(count + 1);
  for (let index = count - 1; index >= 0; index--) tail[index] = tail[index + 1]! + squares[index]!;
  const total = tail[0]!;
  const relativeError = (rank: number): number => (total === 0 ? 0 : Math.sqrt(tail[rank]! / total));

  const key = criterionKey(criterion);
  const value = (criterion as Record<string, number>)[key]!;
  let rank: number;
  if (key === 'rank') {
    checkNumber(value, 'rank', 0, Number.MAX_SAFE_INTEGER, true);
    rank = Math.min(value, count);
  } else if (key === 'energy') {
    checkNumber(value, 'energy', 0, 1, false);
    if (value <= 0) throw criterionError('energy', 'greater than 0 and at most 1');
    rank = 0;
    while (rank < count && total - tail[rank]! < value * total) rank++;
  } else if (key === 'tolerance') {
    checkNumber(value, 'tolerance', 0, Number.POSITIVE_INFINITY, false);
    rank = 0;
    while (rank < count && relativeError(rank) > value) rank++;
  } else {
    checkNumber(value, 'budget', 0, 1, false);
    rank = Math.min(count, Math.floor((value * rows * columns) / (rows + columns)));
    // Floating division can land one above the exact bound.
    while (rank > 0 && rank * (rows + columns) > value * rows * columns) rank--;
  }
  return {
    rank,
    factorize: rank * (rows + columns) < rows * columns,
    parameters: rank * (rows + columns),
    originalParameters: rows * columns,
    energy: total === 0 ? 1 : (total - tail[rank]!) / total,
    relativeError: relativeError(rank),
  };
}

function criterionKey(criterion: unknown): (typeof RANK_CRITERIA)[number] {
  if (typeof criterion !== 'object' || criterion === null) {
    throw new WhittleError('invalid-argument', 'selectRank needs a criterion { rank | energy | tolerance | budget }', {
      field: 'criterion',
    });
  }
  const given = RANK_CRITERIA.filter((name) => (criterion as Record<string, unknown>)[name] !== undefined);
  if (given.length !== 1) {
    throw new WhittleError(
      'invalid-argument',
      `selectRank needs exactly one of rank, energy, tolerance, budget (got ${given.length})`,
      { field: 'criterion' },
    );
  }
  return given[0]!;
}

function checkNumber(value: unknown, name: string, minimum: number, maximum: number, integer: boolean): void {
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < minimum ||
    value > maximum ||
    (integer && !Number.isSafeInteger(value))
  ) {
    throw criterionError(name, integer ? `an integer ≥ ${minimum}` : `a number from ${minimum} to ${maximum}`);
  }
}

function criterionError(name: string, expected: string): WhittleError {
  return new WhittleError('invalid-argument', `selectRank needs ${name} to be ${expected}`, {
    field: `criterion.${name}`,
  });
}

/** Throws unless `value` is a positive safe integer; shared with the whole-model selection. */
export function checkDimension(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new WhittleError('invalid-argument', `rank selection needs ${name} to be a positive integer`, { field: name });
  }
}

/**
 * The squares of `singularValues` after checking they are finite, non-negative, sorted from
 * largest to smallest and no more than min(rows, columns).
 */
export function checkSpectrum(singularValues: unknown, limit: number, field = 'singularValues'): Float64Array {
  if (
    !(singularValues instanceof Float64Array || singularValues instanceof Float32Array || Array.isArray(singularValues))
  ) {
    throw new WhittleError('invalid-argument', 'rank selection needs singular values as an array', { field });
  }
  const values = singularValues as ArrayLike<unknown>;
  if (values.length > limit) {
    throw new WhittleError('invalid-argument', `rank selection got ${values.length} singular values for at most ${limit}`, {
      field,
    });
  }
  const squares = new Float64Array(values.length);
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    const previous = index === 0 ? Number.POSITIVE_INFINITY : (values[index - 1] as number);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > previous) {
      throw new WhittleError(
        'invalid-argument',
        'rank selection needs finite, non-negative singular values sorted from largest to smallest',
        { field: `${field}[${index}]` },
      );
    }
    squares[index] = value * value;
  }
  return squares;
}
