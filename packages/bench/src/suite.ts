import type { BackendInfo, BackendName, ModelProfile } from '@whittle/core';
import type { ResultRow } from './result-row.ts';

/** Options every suite takes. */
export interface SuiteOptions {
  /** Smaller sizes and fewer runs: a smoke run in seconds, not figures to publish. */
  readonly quick?: boolean;
  /** The tfjs backends to run backend-bound cases on; each suite has its own default. */
  readonly backends?: readonly BackendName[];
  /** Called before each case with a short description, for progress output. */
  readonly onProgress?: (message: string) => void;
}

/** What a suite returns: its rows and the backends they ran on. */
export interface SuiteResult {
  readonly rows: readonly ResultRow[];
  readonly backends: readonly BackendInfo[];
  /**
   * Lines a reader needs beside the figures: how the cases ran and in what order, what a bound
   * is and is not, the machine's load during the run.
   */
  readonly notes?: readonly string[];
  /** The profiles of the models a suite measured, by name, for a caller to chart. */
  readonly profiles?: readonly { readonly name: string; readonly profile: ModelProfile }[];
}

/** A named group of benchmark cases. */
export interface Suite {
  readonly name: string;
  readonly description: string;
  /** The backends it runs on when `SuiteOptions.backends` names none. */
  readonly defaultBackends: readonly BackendName[];
  run(options?: SuiteOptions): Promise<SuiteResult>;
}
