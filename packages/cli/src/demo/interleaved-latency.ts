import * as tf from '@tensorflow/tfjs-core';
import type * as Layers from '@tensorflow/tfjs-layers';
import type { Digits } from '@whittle/bench';
import type { Model } from '@whittle/core';
import { whittleIOHandler } from '@whittle/core/tfjs';
import { loadBench } from '../load-bench.ts';

/**
 * Median seconds of one forward pass (read back to the host) of `baseline` and of `candidate` on
 * the first `rows` test digits as one batch, each loaded by stock tfjs-layers through whittle's
 * IO handler, timed in interleaved rounds so both see the same machine load.
 *
 * @example
 * ```ts
 * const { baseline, candidate } = await interleavedLatency(baselineModel, rowModel, test, { rows: 500, runs: 9 });
 * const speedup = baseline / candidate;
 * ```
 */
export async function interleavedLatency(
  baseline: Model,
  candidate: Model,
  digits: Digits,
  options: { readonly rows: number; readonly runs: number },
): Promise<{ baseline: number; candidate: number }> {
  const specifier = '@tensorflow/tfjs-layers';
  const tfl = (await import(specifier)) as typeof Layers;
  const { measureInterleaved } = await loadBench('demo');
  const count = Math.min(options.rows, digits.count);
  const inputs = tf.tensor2d(digits.images.subarray(0, count * 784), [count, 784]);
  const loaded = [await tfl.loadLayersModel(whittleIOHandler(baseline)), await tfl.loadLayersModel(whittleIOHandler(candidate))] as const;
  const forward = (model: Layers.LayersModel) => async () => {
    const output = model.predict(inputs) as tf.Tensor;
    await output.data();
    output.dispose();
  };
  try {
    const measured = await measureInterleaved({ baseline: forward(loaded[0]), candidate: forward(loaded[1]) }, { warmup: 2, runs: options.runs });
    return { baseline: measured.baseline.median, candidate: measured.candidate.median };
  } finally {
    inputs.dispose();
    for (const model of loaded) model.dispose();
  }
}
