/** What one run of the kernels suite measures, and how often. */
export interface KernelPlan {
  /** Square kernel sides, smallest first: 1024 is 1M weights, 8192 is 64M. */
  readonly sides: readonly number[];
  /** Untimed and timed runs of every kernel case, in each case's own process. */
  readonly warmup: number;
  readonly runs: number;
  /** Counts of 1-D weights the k-means cases cluster. */
  readonly kmeansCounts: readonly number[];
  /** Runs of the k-means cases (each peer iterates to convergence: seconds a run). */
  readonly kmeansRuns: number;
}

/** 1M, 16M and 64M weights; k-means on 16K and 64K. */
export const FULL_KERNEL_PLAN: KernelPlan = {
  sides: [1024, 4096, 8192],
  warmup: 1,
  runs: 7,
  kmeansCounts: [16384, 65536],
  kmeansRuns: 3,
};

/** 1M weights and 4K k-means values, few runs: a smoke run, not figures to publish. */
export const QUICK_KERNEL_PLAN: KernelPlan = {
  sides: [1024],
  warmup: 1,
  runs: 3,
  kmeansCounts: [4096],
  kmeansRuns: 1,
};
