/** How big one run of the structured-pruning part is. */
export interface StructuredBenchPlan {
  /** Training and held-out test digits (disjoint, from the real MNIST set). */
  readonly train: number;
  readonly test: number;
  /** The MLP's hidden widths. */
  readonly mlpHidden: readonly number[];
  /** The CNN's conv filters (3 × 3, each followed by 2 × 2 max pooling) and its dense width. */
  readonly cnnFilters: readonly number[];
  readonly cnnDense: number;
  /**
   * Training epochs of the MLP and of the CNN, and fine-tuning epochs after pruning.
   */
  readonly epochs: number;
  readonly cnnEpochs: number;
  readonly fineTuneEpochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Rows per timed forward pass, per model. */
  readonly mlpLatencyRows: number;
  readonly cnnLatencyRows: number;
  /** Untimed and timed interleaved rounds of the latency measurement. */
  readonly warmup: number;
  readonly runs: number;
}

/** A 784 → 512 → 512 → 10 MLP and a 16/32-filter CNN on 8,000 digits; 15 timed rounds. */
export const FULL_STRUCTURED_PLAN: StructuredBenchPlan = {
  train: 8000,
  test: 2000,
  mlpHidden: [512, 512],
  cnnFilters: [16, 32],
  cnnDense: 64,
  epochs: 3,
  cnnEpochs: 1,
  fineTuneEpochs: 1,
  batchSize: 128,
  learningRate: 0.002,
  mlpLatencyRows: 256,
  cnnLatencyRows: 64,
  warmup: 3,
  runs: 15,
};

/** Everything shrunk to a few seconds: a smoke run, not figures to publish. */
export const QUICK_STRUCTURED_PLAN: StructuredBenchPlan = {
  train: 1000,
  test: 500,
  mlpHidden: [64, 64],
  cnnFilters: [8, 16],
  cnnDense: 32,
  epochs: 1,
  cnnEpochs: 1,
  fineTuneEpochs: 1,
  batchSize: 100,
  learningRate: 0.003,
  mlpLatencyRows: 32,
  cnnLatencyRows: 8,
  warmup: 1,
  runs: 3,
};
