import { useBackend, type BackendName } from '@whittle/core';
import type { Suite, SuiteOptions, SuiteResult } from '../suite.ts';
import type { DistillationPart } from './distillation/distillation-part.ts';
import { lstmGruPart } from './distillation/lstm-gru-part.ts';
import { mlpDistillationPart } from './distillation/mlp-distillation-part.ts';
import { studentsSeparablePart } from './distillation/students-separable.ts';

const DEFAULT_BACKEND: BackendName = 'wasm';

/** The suite's parts, run in this order. */
const PARTS: readonly DistillationPart[] = [mlpDistillationPart, studentsSeparablePart, lstmGruPart];

/**
 * The `distillation` suite: what a student learns from a teacher that it does not learn from the
 * labels alone. Runs on the first backend given (wasm by default), with gradients; `quick` shrinks
 * everything to a few seconds.
 *
 * @example
 * ```ts
 * const { rows } = await distillationSuite.run({ quick: true });
 * ```
 */
export const distillationSuite: Suite = {
  name: 'distillation',
  defaultBackends: [DEFAULT_BACKEND],
  description: 'distillation: an MLP teacher on real MNIST digits, and a student 10× smaller trained on hard labels against distilled',
  run: runDistillationSuite,
};

async function runDistillationSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const progress = options.onProgress ?? (() => {});
  const backend = await useBackend(options.backends?.[0] ?? DEFAULT_BACKEND, { gradients: true });
  const rows = [];
  for (const part of PARTS) rows.push(...(await part({ quick: options.quick === true, backend: backend.name, progress })));
  return { rows, backends: [backend] };
}
