import * as tf from '@tensorflow/tfjs-core';
import { castDense, hostTensor, useBackend, type BackendInfo, type BackendName } from '@whittle/core';
import { measure, type MeasureOptions } from '../measure.ts';
import type { ResultRow } from '../result-row.ts';
import { seededRandom } from '../seeded-random.ts';
import type { Suite, SuiteOptions, SuiteResult } from '../suite.ts';

const SUITE = 'backends';
const DEFAULT_BACKENDS: readonly BackendName[] = ['wasm', 'cpu'];
const STORAGE_DTYPES = ['float16', 'bfloat16'] as const;

interface Sizes {
  /** Square matMul side: an n×n by n×n product. */
  readonly matMulSide: number;
  /** Elements converted per storage cast. */
  readonly castLength: number;
  readonly timed: MeasureOptions;
  /** A copy is short and noisy: time more of them. */
  readonly copyTimed: MeasureOptions;
}

const FULL: Sizes = {
  matMulSide: 1024,
  castLength: 1 << 24,
  timed: { warmup: 1, runs: 5 },
  copyTimed: { warmup: 3, runs: 21 },
};
const QUICK: Sizes = {
  matMulSide: 256,
  castLength: 1 << 20,
  timed: { warmup: 1, runs: 3 },
  copyTimed: { warmup: 2, runs: 9 },
};

/**
 * The `backends` suite: what each tfjs backend computes (float32 matMul GFLOP/s) and how fast
 * whittle stores weights in 16-bit floats (`castDense` to float16 and bfloat16, params/s),
 * against a plain `Float32Array.prototype.set` copy of the same bytes as the bound.
 *
 * @example
 * ```ts
 * const { rows } = await backendsSuite.run({ backends: ['wasm'], quick: true });
 * ```
 */
export const backendsSuite: Suite = {
  name: SUITE,
  defaultBackends: DEFAULT_BACKENDS,
  description: 'float32 matMul GFLOP/s per backend; float16/bfloat16 storage conversion params/s against a copy',
  run: runBackendsSuite,
};

async function runBackendsSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const sizes = options.quick === true ? QUICK : FULL;
  const progress = options.onProgress ?? (() => {});
  const rows: ResultRow[] = [];
  const backends: BackendInfo[] = [];
  for (const backend of options.backends ?? DEFAULT_BACKENDS) {
    progress(`matmul ${sizes.matMulSide}x${sizes.matMulSide} on ${backend}`);
    backends.push(await useBackend(backend));
    rows.push(await matMulRow(backend, sizes));
  }
  rows.push(...(await castRows(sizes, progress)));
  return { rows, backends };
}

async function matMulRow(backend: BackendName, sizes: Sizes): Promise<ResultRow> {
  const side = sizes.matMulSide;
  const random = seededRandom(1);
  const left = tf.tensor2d(random.normalArray(side * side), [side, side]);
  const right = tf.tensor2d(random.normalArray(side * side), [side, side]);
  try {
    const timing = await measure(async () => {
      const product = tf.matMul(left, right);
      // Reading the result waits for the backend to finish (asynchronous on GPU backends).
      await product.data();
      product.dispose();
    }, sizes.timed);
    return {
      suite: SUITE,
      case: 'matmul',
      backend,
      size: `${side}x${side}x${side}`,
      metric: 'throughput',
      value: (2 * side ** 3) / timing.median / 1e9,
      unit: 'GFLOP/s',
    };
  } finally {
    left.dispose();
    right.dispose();
  }
}

async function castRows(sizes: Sizes, progress: (message: string) => void): Promise<ResultRow[]> {
  const length = sizes.castLength;
  // Weight-like values: small, centred, a few in float16's subnormal range.
  const values = seededRandom(2).normalArray(length, 0, 0.05);
  const source = hostTensor('float32', [length], values);

  progress(`copy of ${length} float32 (the bound)`);
  const destination = new Float32Array(length);
  const copy = await measure(() => destination.set(values), sizes.copyTimed);
  const bound = length / copy.median;

  const rows: ResultRow[] = [];
  for (const dtype of STORAGE_DTYPES) {
    progress(`cast ${length} float32 to ${dtype}`);
    const timing = await measure(() => castDense(source, dtype), sizes.timed);
    rows.push({
      suite: SUITE,
      case: `cast-${dtype}`,
      backend: 'js',
      size: String(length),
      metric: 'throughput',
      value: length / timing.median,
      unit: 'params/s',
      bound,
    });
  }
  return rows;
}
