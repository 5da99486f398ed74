import type { BackendName } from '@whittle/core';
import type { ResultRow } from '../../result-row.ts';

/** What every part of the `distillation` suite is given. */
export interface DistillationPartContext {
  /** Smaller sizes and fewer epochs. */
  readonly quick: boolean;
  /** The backend the suite set up. */
  readonly backend: BackendName;
  readonly progress: (message: string) => void;
}

/** One group of the `distillation` suite's cases. */
export type DistillationPart = (context: DistillationPartContext) => Promise<readonly ResultRow[]>;
