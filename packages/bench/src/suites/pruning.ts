import { useBackend, type BackendName } from '@whittle/core';
import type { Suite, SuiteOptions, SuiteResult } from '../suite.ts';
import type { PruningPart } from './pruning/pruning-part.ts';
import { selectionThroughput } from './pruning/throughput-selection.ts';
import { gradualPart } from './pruning/gradual-part.ts';
import { structuredPart } from './pruning/structured-part.ts';
import { wandaVersusMagnitude } from './pruning/wanda-vs-magnitude.ts';

const DEFAULT_BACKEND: BackendName = 'wasm';

/** The suite's parts, run in this order. */
const PARTS: readonly PruningPart[] = [selectionThroughput, gradualPart, structuredPart, wandaVersusMagnitude];

/**
 * The `pruning` suite: what pruning buys in bytes (raw and gzip), accuracy and latency, and what
 * it costs to run. Runs on the first backend given (wasm by default); `quick` shrinks everything
 * to a few seconds.
 *
 * @example
 * ```ts
 * const { rows } = await pruningSuite.run({ quick: true });
 * ```
 */
export const pruningSuite: Suite = {
  name: 'pruning',
  defaultBackends: [DEFAULT_BACKEND],
  description: 'pruning: bytes, accuracy and latency of every method on real MNIST models; selection throughput against a memory copy',
  run: runPruningSuite,
};

async function runPruningSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const progress = options.onProgress ?? (() => {});
  const backend = await useBackend(options.backends?.[0] ?? DEFAULT_BACKEND);
  const rows = [];
  for (const part of PARTS) rows.push(...(await part({ quick: options.quick === true, backend: backend.name, progress })));
  return { rows, backends: [backend] };
}
