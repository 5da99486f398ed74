import * as tf from '@tensorflow/tfjs-core';
import { hostTensor, useBackend, type BackendInfo, type BackendName, type HostTensor } from '@whittle/core';
import { measure, type MeasureOptions } from '../measure.ts';
import type { ResultRow } from '../result-row.ts';
import { seededRandom } from '../seeded-random.ts';
import type { Suite, SuiteOptions, SuiteResult } from '../suite.ts';
import { garbageCollector } from '../collect-garbage.ts';
import { jsKernelCases, ROUND_TRIP_CASE } from './kernels/js-kernels.ts';
import { FULL_KERNEL_PLAN, QUICK_KERNEL_PLAN, type KernelPlan } from './kernels/kernel-sizes.ts';
import { tfjsInt8RoundTrip } from './kernels/tfjs-int8-round-trip.ts';

const SUITE = 'kernels';
const DEFAULT_BACKENDS: readonly BackendName[] = ['wasm', 'cpu'];

/**
 * The `kernels` suite: throughput (params/s) of whittle's quantization kernels on dense kernels
 * of 1M, 16M and 64M weights (`quick`: 1M) — int8 per-channel and int4 group-32 quantize, their
 * dequantize, and an int8 quantize + dequantize round trip — each against a plain
 * `Float32Array.prototype.set` copy of the same weights, measured at the same size in the same
 * run, as the bound. The quantizers are typed-array code (backend `js`); the same round trip
 * written with tfjs ops (`tfjsInt8RoundTrip`) runs on each tfjs backend asked for (wasm and cpu
 * by default), so every implementation stands in one table.
 *
 * @example
 * ```ts
 * const { rows } = await kernelsSuite.run({ backends: ['wasm'], quick: true });
 * rows.find((row) => row.case === 'quantize-int8-channel')?.value; // params/s
 * ```
 */
export const kernelsSuite: Suite = {
  name: SUITE,
  defaultBackends: DEFAULT_BACKENDS,
  description: 'int8 / int4 quantize and dequantize params/s (typed arrays and tfjs ops) against a copy of the same weights',
  run: runKernelsSuite,
};

async function runKernelsSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const plan = options.quick === true ? QUICK_KERNEL_PLAN : FULL_KERNEL_PLAN;
  const progress = options.onProgress ?? (() => {});
  const backendNames = options.backends ?? DEFAULT_BACKENDS;
  const backends = new Map<BackendName, BackendInfo>();
  const rows: ResultRow[] = [];
  for (const side of plan.sides) {
    const size = `${side}x${side}`;
    const count = side * side;
    // Weight-like values: dense kernels are roughly normal and small.
    const kernel = hostTensor('float32', [side, side], seededRandom(side).normalArray(count, 0, 0.05));
    const row = (name: string, backend: string, seconds: number, bound: number): ResultRow => ({
      suite: SUITE,
      case: name,
      backend,
      size,
      metric: 'throughput',
      value: count / seconds,
      unit: 'params/s',
      bound,
    });

    progress(`copy of ${size} float32 (the bound)`);
    const bound = count / (await copySeconds(kernel, plan));
    for (const { name, run } of jsKernelCases(kernel)) {
      progress(`${name} ${size} (js)`);
      rows.push(row(name, 'js', (await measure(run, collected(plan.timed))).median, bound));
    }
    for (const backend of backendNames) {
      progress(`${ROUND_TRIP_CASE} ${size} with tfjs ops on ${backend}`);
      backends.set(backend, await useBackend(backend));
      rows.push(row(ROUND_TRIP_CASE, backend, await tfjsRoundTripSeconds(kernel, plan), bound));
    }
  }
  return { rows, backends: [...backends.values()] };
}

async function copySeconds(kernel: HostTensor<'float32'>, plan: KernelPlan): Promise<number> {
  const destination = new Float32Array(kernel.data.length);
  return (await measure(() => destination.set(kernel.data), collected(plan.copyTimed))).median;
}

async function tfjsRoundTripSeconds(kernel: HostTensor<'float32'>, plan: KernelPlan): Promise<number> {
  // Uploaded once, outside the timing: the peer starts, as whittle's kernels do, from weights in memory.
  const weights = tf.tensor2d(kernel.data, [kernel.shape[0]!, kernel.shape[1]!]);
  try {
    return (await measure(() => tfjsInt8RoundTrip(weights), collected(plan.tfjsTimed))).median;
  } finally {
    weights.dispose();
  }
}

/**
 * Timing options with a full garbage collection before every run: a run at 64M weights leaves
 * hundreds of megabytes of output behind, and without this each run pays at random for the
 * garbage of the one before.
 */
function collected(options: MeasureOptions): MeasureOptions {
  return { ...options, beforeEach: garbageCollector() };
}
