import type { BackendName } from '@whittle/core';
import type { ResultRow } from '../../result-row.ts';

/** What every part of the `lowrank` suite is given. */
export interface LowrankPartContext {
  /** Smaller sizes and fewer runs. */
  readonly quick: boolean;
  /** The backend the suite set up. */
  readonly backend: BackendName;
  readonly progress: (message: string) => void;
}

/** One group of the `lowrank` suite's cases. */
export type LowrankPart = (context: LowrankPartContext) => Promise<readonly ResultRow[]>;
