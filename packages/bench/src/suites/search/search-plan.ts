/** How big one run of the `search` suite is. */
export interface SearchBenchPlan {
  /** Training digits; held-out digits the search chooses on, and others every accuracy is scored on. */
  readonly train: number;
  readonly selection: number;
  readonly evaluation: number;
  /** The MLP's hidden widths and training epochs. */
  readonly mlpHidden: readonly number[];
  readonly mlpEpochs: number;
  /** The CNN's conv filters (3 × 3, each followed by 2 × 2 max pooling), dense width and epochs. */
  readonly cnnFilters: readonly number[];
  readonly cnnDense: number;
  readonly cnnEpochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** The budgets, as divisors of the float32 bytes. */
  readonly divisors: readonly number[];
  /** The candidate space every layer tries (and every uniform recipe is drawn from). */
  readonly sparsities: readonly number[];
  readonly bits: readonly number[];
  /** Timed runs per layer in the profiles. */
  readonly profileRuns: number;
}

/**
 * The demo's MNIST MLP (784 → 128 → 64 → 10) and a 16/32-filter CNN on 8,000 digits; budgets of
 * 1/8, 1/16 and 1/32 of float32.
 */
export const FULL_SEARCH_PLAN: SearchBenchPlan = {
  train: 8000,
  selection: 500,
  evaluation: 1500,
  mlpHidden: [128, 64],
  mlpEpochs: 2,
  cnnFilters: [16, 32],
  cnnDense: 64,
  cnnEpochs: 1,
  batchSize: 128,
  learningRate: 0.002,
  divisors: [8, 16, 32],
  sparsities: [0.5, 0.75, 0.9, 0.95],
  bits: [2, 3, 4, 5, 6, 8],
  profileRuns: 10,
};

/** Everything shrunk to a smoke run: small models, few digits, two widths. */
export const QUICK_SEARCH_PLAN: SearchBenchPlan = {
  train: 600,
  selection: 100,
  evaluation: 200,
  mlpHidden: [32],
  mlpEpochs: 1,
  cnnFilters: [4, 8],
  cnnDense: 16,
  cnnEpochs: 1,
  batchSize: 100,
  learningRate: 0.003,
  divisors: [8, 32],
  sparsities: [0.9],
  bits: [2, 4],
  profileRuns: 2,
};
