/**
 * Running a candidate model on the search's data through core's runner: its metric where the
 * data has targets, how far its outputs moved from the original model's, and its latency.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError } from '../errors.ts';
import type { Model } from '../model/types.ts';
import { loadRunner, type RunnerEntry } from '../recipe/load-runner.ts';
import type { BatchData } from '../runner/batch-data.ts';

/** The metrics a search can hold a model to: names of the runner's built-in metrics. */
export const SEARCH_METRICS = ['accuracy', 'mean-squared-error'] as const;

/** One of {@link SEARCH_METRICS}. */
export type SearchMetric = (typeof SEARCH_METRICS)[number];

/**
 * What a search evaluates on: batches of model inputs, with targets (labels) for a metric such as
 * accuracy, or without (calibration inputs) for the proxy alone: how far the model's outputs
 * move from the original model's (relative squared error, the inverse of the output SQNR).
 */
export interface SearchData {
  /** The batches, each `{ inputs, targets? }` (see the runner's `BatchData`). */
  readonly batches: BatchData;
  /** What the targets are scored with; default `accuracy`. Ignored without targets. */
  readonly metric?: SearchMetric;
}

/** What one run of a model on the data measured. */
export interface ModelMeasurement {
  /** The metric on the data's targets; absent when the data has none. */
  readonly metric?: number;
  /** Σ‖y − y₀‖² / Σ‖y₀‖² over every output element, y₀ the reference outputs (0 for the reference itself). */
  readonly outputError: number;
  /** Median milliseconds of one forward pass over the first batch, when asked for. */
  readonly latencyMs?: number;
}

/** The reference run: its measurement and the outputs later runs are compared with. */
export interface ReferenceRun {
  /** What this run measured. */
  readonly measurement: ModelMeasurement;
  /** The reference's first output, per batch (what later runs are compared with). */
  readonly outputs: readonly Float32Array[];
  /** Whether every batch had targets. */
  readonly hasTargets: boolean;
}

/** The output error of outputs with no relation left to the reference (finite, so JSON holds it). */
export const MAX_OUTPUT_ERROR = 1e30;

/** Forward passes timed for a latency, after one warm-up pass. */
const LATENCY_RUNS = 7;

/** True when `metric` is better the higher it is. */
export function higherIsBetter(metric: SearchMetric): boolean {
  return metric === 'accuracy';
}

/**
 * Runs `model` on `data` and measures it against `reference` (the original model's outputs; when
 * absent this run is the reference and its outputs are kept).
 *
 * @example
 * ```ts
 * const reference = await measureModel(model, data, { latency: false });
 * const candidate = await measureModel(smaller, data, { latency: false, reference });
 * candidate.measurement.outputError; // 0.003
 * ```
 */
export async function measureModel(
  model: Model,
  data: SearchData,
  options: { readonly latency: boolean; readonly reference?: ReferenceRun; readonly runner?: RunnerEntry },
): Promise<ReferenceRun> {
  const runner = options.runner ?? (await loadRunner('a search', { field: 'data' }));
  const runnable = await runner.loadRunnable(model);
  try {
    const outputs: Float32Array[] = [];
    let hasTargets = true;
    let batches = 0;
    let noise = 0;
    let signal = 0;
    let latencyMs: number | undefined;
    for await (const batch of runner.readBatches(data.batches, 'data')) {
      if (batch.targets === undefined) hasTargets = false;
      const predicted = runnable.predict(batch.inputs);
      const tensor = Array.isArray(predicted) ? predicted[0]! : predicted;
      let values: Float32Array;
      try {
        values = Float32Array.from(await tensor.data());
      } finally {
        tf.dispose(predicted);
      }
      const expected = options.reference?.outputs[batches];
      if (options.reference !== undefined && (expected === undefined || expected.length !== values.length)) {
        throw new WhittleError('invalid-argument', 'the data gave different batches on a second reading; give batches that read the same every time', { field: `data[${batches}]` });
      }
      for (let index = 0; index < values.length; index++) {
        const reference = expected === undefined ? values[index]! : expected[index]!;
        noise += (values[index]! - reference) ** 2;
        signal += reference ** 2;
      }
      if (options.reference === undefined) outputs.push(values);
      // Timed while the batch is current: a generator may free its tensors once it moves on.
      if (batches === 0 && options.latency) latencyMs = await timeForward(() => runnable.predict(batch.inputs));
      batches++;
    }
    if (batches === 0) throw new WhittleError('invalid-argument', 'there are no batches to evaluate on', { field: 'data' });
    const metric = hasTargets ? await runnable.evaluate(data.batches, data.metric ?? 'accuracy') : undefined;
    const measurement: ModelMeasurement = {
      ...(metric === undefined ? {} : { metric }),
      outputError: signal === 0 ? (noise === 0 ? 0 : MAX_OUTPUT_ERROR) : Math.min(noise / signal, MAX_OUTPUT_ERROR),
      ...(latencyMs === undefined ? {} : { latencyMs }),
    };
    return { measurement, outputs: options.reference?.outputs ?? outputs, hasTargets };
  } finally {
    runnable.dispose();
  }
}

async function timeForward(run: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const once = async (): Promise<number> => {
    const started = performance.now();
    const result = run();
    const tensors = Array.isArray(result) ? result : [result];
    // Reading the values waits for the backend to finish, so the time covers the whole pass.
    await Promise.all(tensors.map((tensor) => tensor.data()));
    const elapsed = performance.now() - started;
    tf.dispose(tensors);
    return elapsed;
  };
  await once();
  const times: number[] = [];
  for (let run = 0; run < LATENCY_RUNS; run++) times.push(await once());
  times.sort((left, right) => left - right);
  return times[Math.floor(times.length / 2)]!;
}
