import type { MeasureOptions } from '../../measure.ts';

/** What one run of the kernels suite measures, and how often. */
export interface KernelPlan {
  /** Square kernel sides, smallest first: 1024 is 1M weights, 8192 is 64M. */
  readonly sides: readonly number[];
  /** Runs of the typed-array kernels. */
  readonly timed: MeasureOptions;
  /** Runs of the tfjs-ops peer: seconds each at 64M on the cpu backend, so fewer. */
  readonly tfjsTimed: MeasureOptions;
  /** A copy is short and noisy: time more of them. */
  readonly copyTimed: MeasureOptions;
}

/** 1M, 16M and 64M weights. */
export const FULL_KERNEL_PLAN: KernelPlan = {
  sides: [1024, 4096, 8192],
  timed: { warmup: 1, runs: 5 },
  tfjsTimed: { warmup: 1, runs: 3 },
  copyTimed: { warmup: 3, runs: 21 },
};

/** 1M weights only: a smoke run in a few seconds. */
export const QUICK_KERNEL_PLAN: KernelPlan = {
  sides: [1024],
  timed: { warmup: 1, runs: 3 },
  tfjsTimed: { warmup: 1, runs: 3 },
  copyTimed: { warmup: 2, runs: 9 },
};
