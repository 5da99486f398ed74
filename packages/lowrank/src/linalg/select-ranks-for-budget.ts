/**
 * Whole-model rank selection: one parameter budget shared by many matrices, spent where each
 * parameter removes the most squared reconstruction error.
 */
import { WhittleError } from '@whittle/core';
import { checkDimension, checkSpectrum, type RankSelection } from './select-rank.ts';

/** One matrix of a model, as {@link selectRanksForBudget} weighs it. */
export interface LayerSpectrum {
  /** Sorted, non-negative singular values: the full spectrum. */
  readonly singularValues: ArrayLike<number>;
  /** Rows of the matrix. */
  readonly rows: number;
  /** Columns of the matrix. */
  readonly columns: number;
}

/** What {@link selectRanksForBudget} chose for a whole model. */
export interface BudgetSelection {
  /** One choice per layer, in the order given; a layer with `factorize` false stays dense. */
  readonly layers: readonly RankSelection[];
  /** Parameters after: Σ r·(rows + columns) over factorized layers plus rows·columns over dense ones. */
  readonly parameters: number;
  /** Parameters before: Σ rows·columns. */
  readonly originalParameters: number;
}

/**
 * Chooses a rank for every layer so that the model's parameters after factorization are at most
 * `budget` (0 ≤ budget ≤ 1) of its parameters before, greedily: every further singular triplet of
 * every layer costs rows + columns parameters and removes σ² of squared error, and the triplets
 * are taken in order of σ²/(rows + columns), largest first, while they fit (a triplet that does
 * not fit ends its layer; smaller ones of other layers may still fit). Each layer's σ² fall, so
 * this is the fractional-knapsack greedy: the total squared Frobenius error Σ discarded σ² over all
 * layers is at most the smallest any choice within the budget reaches plus the σ² of the first
 * triplet that did not fit. Absolute σ² are compared, so layers with larger weights count for
 * more; normalise each spectrum first to weigh layers equally. A layer whose chosen rank would
 * not save parameters is kept dense instead: that costs no more and loses nothing. A rank of 0
 * means the budget left nothing for that layer.
 *
 * @example
 * ```ts
 * const spectra = layers.map((layer) => ({ ...layer, singularValues: svd(layer.values, layer).singularValues }));
 * const { layers: ranks } = selectRanksForBudget(spectra, 0.25);
 * ```
 */
export function selectRanksForBudget(layers: readonly LayerSpectrum[], budget: number): BudgetSelection {
  if (!Array.isArray(layers)) {
    throw new WhittleError('invalid-argument', 'selectRanksForBudget needs an array of layers', { field: 'layers' });
  }
  if (typeof budget !== 'number' || !(budget >= 0 && budget <= 1)) {
    throw new WhittleError('invalid-argument', 'selectRanksForBudget needs budget to be a number from 0 to 1', {
      field: 'budget',
    });
  }
  const spectra = layers.map((layer, index) => {
    if (typeof layer !== 'object' || layer === null) {
      throw new WhittleError('invalid-argument', 'selectRanksForBudget needs each layer as an object', {
        field: `layers[${index}]`,
      });
    }
    checkDimension(layer.rows, `layers[${index}].rows`);
    checkDimension(layer.columns, `layers[${index}].columns`);
    const squares = checkSpectrum(
      layer.singularValues,
      Math.min(layer.rows, layer.columns),
      `layers[${index}].singularValues`,
    );
    return { rows: layer.rows, columns: layer.columns, squares };
  });

  const originalParameters = spectra.reduce((sum, layer) => sum + layer.rows * layer.columns, 0);
  const allowed = budget * originalParameters;
  const candidates: { layer: number; gain: number }[] = [];
  spectra.forEach((layer, index) => {
    for (const square of layer.squares) candidates.push({ layer: index, gain: square / (layer.rows + layer.columns) });
  });
  // A stable sort keeps each layer's triplets in their own (descending) order on equal gains.
  candidates.sort((left, right) => right.gain - left.gain);
  const ranks = spectra.map(() => 0);
  const closed = spectra.map(() => false);
  let spent = 0;
  for (const { layer } of candidates) {
    if (closed[layer]) continue;
    const cost = spectra[layer]!.rows + spectra[layer]!.columns;
    if (spent + cost > allowed) {
      closed[layer] = true;
      continue;
    }
    spent += cost;
    ranks[layer]!++;
  }

  let parameters = 0;
  const selections = spectra.map((layer, index): RankSelection => {
    const dense = layer.rows * layer.columns;
    const width = layer.rows + layer.columns;
    const rank = ranks[index]!;
    const factorize = rank * width < dense;
    parameters += factorize ? rank * width : dense;
    let total = 0;
    for (const square of layer.squares) total += square;
    let discarded = 0;
    for (let position = layer.squares.length - 1; position >= rank; position--) discarded += layer.squares[position]!;
    return {
      rank: factorize ? rank : layer.squares.length,
      factorize,
      parameters: factorize ? rank * width : dense,
      originalParameters: dense,
      energy: total === 0 || !factorize ? 1 : (total - discarded) / total,
      relativeError: total === 0 || !factorize ? 0 : Math.sqrt(discarded / total),
    };
  });
  return { layers: selections, parameters, originalParameters };
}
