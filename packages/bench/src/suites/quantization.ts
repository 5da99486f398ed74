import { useBackend, type BackendName } from '@whittle/core';
import type { Suite, SuiteOptions, SuiteResult } from '../suite.ts';
import { mlpRows } from './quantization/mlp-rows.ts';
import { QUANTIZATION_METHODS } from './quantization/quantization-methods.ts';
import { FULL_QUANTIZATION_PLAN, QUICK_QUANTIZATION_PLAN } from './quantization/quantization-plan.ts';
import { syntheticRows } from './quantization/synthetic-rows.ts';

const DEFAULT_BACKEND: BackendName = 'wasm';

/**
 * The `quantization` suite: what each quantization method costs in error and buys in bits.
 * Every method (float16, bfloat16, stock uint8, int8 per channel, int4 group 32 / 128 symmetric
 * and asymmetric, int3 g64, int2 g32, k-means 2/3/4-bit, GPTQ 4-bit and 3-bit g128 with RTN
 * beside each) runs on seeded Gaussian and Laplacian 1024 × 1024 kernels (weight SQNR, output
 * SQNR on held-out inputs, bits per weight), and on a 784 → 128 → 10 MLP trained on real MNIST
 * digits (test accuracy before and after, model size). Runs on the first backend given (wasm by
 * default); `quick` shrinks everything to a few seconds.
 *
 * @example
 * ```ts
 * const { rows } = await quantizationSuite.run({ quick: true });
 * rows.filter((row) => row.metric === 'top1-accuracy');
 * ```
 */
export const quantizationSuite: Suite = {
  name: 'quantization',
  defaultBackends: [DEFAULT_BACKEND],
  description: 'SQNR and bits per weight of every quantization method on synthetic kernels; MNIST MLP accuracy before and after',
  run: runQuantizationSuite,
};

async function runQuantizationSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const plan = options.quick === true ? QUICK_QUANTIZATION_PLAN : FULL_QUANTIZATION_PLAN;
  const progress = options.onProgress ?? (() => {});
  const backend = await useBackend(options.backends?.[0] ?? DEFAULT_BACKEND);
  const rows = [
    ...(await syntheticRows(QUANTIZATION_METHODS, plan, backend.name, progress)),
    ...(await mlpRows(QUANTIZATION_METHODS, plan, backend.name, progress)),
  ];
  return { rows, backends: [backend] };
}
