import type { BackendName } from '@whittle/core';
import type { ResultRow } from '../../result-row.ts';

/** What every part of the `pruning` suite is given. */
export interface PruningPartContext {
  /** Smaller sizes and fewer runs. */
  readonly quick: boolean;
  /** The backend the suite set up. */
  readonly backend: BackendName;
  readonly progress: (message: string) => void;
}

/** One group of the `pruning` suite's cases. */
export type PruningPart = (context: PruningPartContext) => Promise<readonly ResultRow[]>;
