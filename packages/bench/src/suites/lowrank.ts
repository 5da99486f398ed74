import { useBackend, type BackendName } from '@whittle/core';
import type { Suite, SuiteOptions, SuiteResult } from '../suite.ts';
import type { LowrankPart } from './lowrank/lowrank-part.ts';
import { loraPart } from './lowrank/lora-part.ts';
import { factorizedMlp } from './lowrank/factorized-mlp.ts';
import { svdPart } from './lowrank/svd-part.ts';

const DEFAULT_BACKEND: BackendName = 'wasm';

/** The suite's parts, run in this order. */
const PARTS: readonly LowrankPart[] = [svdPart, factorizedMlp, loraPart];

/**
 * The `lowrank` suite: what low-rank factorization and LoRA buy and cost. Runs on the first
 * backend given (wasm by default); `quick` shrinks everything to a few seconds.
 *
 * @example
 * ```ts
 * const { rows } = await lowrankSuite.run({ quick: true });
 * ```
 */
export const lowrankSuite: Suite = {
  name: 'lowrank',
  defaultBackends: [DEFAULT_BACKEND],
  description: 'lowrank: SVD time and accuracy, factorized layers, LoRA against full fine-tuning on real MNIST digits',
  run: runLowrankSuite,
};

async function runLowrankSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const progress = options.onProgress ?? (() => {});
  const backend = await useBackend(options.backends?.[0] ?? DEFAULT_BACKEND);
  const rows = [];
  for (const part of PARTS) rows.push(...(await part({ quick: options.quick === true, backend: backend.name, progress })));
  return { rows, backends: [backend] };
}
