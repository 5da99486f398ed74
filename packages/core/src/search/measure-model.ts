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
  /**
   * Where the outputs are class scores (rows along the last axis, at least two classes): the mean
   * over rows of KL(p₀ ‖ p) in nats, p₀ the reference's distribution and p this run's (the rows
   * themselves where the reference's rows are probabilities, else their softmax). 0 for the
   * reference itself; absent for other outputs.
   */
  readonly divergence?: number;
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
  /**
   * How the reference's output rows are read as distributions: `probabilities` where every row
   * is non-negative and sums to 1, `logits` (through a softmax) otherwise; absent where the
   * outputs are not class scores (no divergence is measured then).
   */
  readonly scores?: 'probabilities' | 'logits';
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
    let classes: number | undefined;
    let divergence = 0;
    let rows = 0;
    let allDistributions = true;
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
      const width = classCount(tensor.shape);
      if (batches === 0) classes = width;
      else if (classes !== width) classes = undefined;
      if (classes !== undefined) {
        if (options.reference === undefined) allDistributions &&= rowsAreDistributions(values, classes);
        else if (options.reference.scores !== undefined) divergence += rowDivergence(expected!, values, classes, options.reference.scores);
        rows += values.length / classes;
      }
      if (options.reference === undefined) outputs.push(values);
      // Timed while the batch is current: a generator may free its tensors once it moves on.
      if (batches === 0 && options.latency) latencyMs = await timeForward(() => runnable.predict(batch.inputs));
      batches++;
    }
    if (batches === 0) throw new WhittleError('invalid-argument', 'there are no batches to evaluate on', { field: 'data' });
    const metric = hasTargets ? await runnable.evaluate(data.batches, data.metric ?? 'accuracy') : undefined;
    const scores = options.reference === undefined ? (classes === undefined ? undefined : allDistributions ? 'probabilities' : 'logits') : options.reference.scores;
    const measured = scores === undefined || classes === undefined || rows === 0 ? undefined : Math.min(divergence / rows, MAX_OUTPUT_ERROR);
    const measurement: ModelMeasurement = {
      ...(metric === undefined ? {} : { metric }),
      outputError: signal === 0 ? (noise === 0 ? 0 : MAX_OUTPUT_ERROR) : Math.min(noise / signal, MAX_OUTPUT_ERROR),
      // NaN outputs make every row's divergence NaN: as far from the reference as can be.
      ...(measured === undefined ? {} : { divergence: Number.isNaN(measured) ? MAX_OUTPUT_ERROR : measured }),
      ...(latencyMs === undefined ? {} : { latencyMs }),
    };
    return { measurement, outputs: options.reference?.outputs ?? outputs, hasTargets, ...(scores === undefined ? {} : { scores }) };
  } finally {
    runnable.dispose();
  }
}

/** The class count of outputs shaped `[..., classes]` with at least two classes, else undefined. */
function classCount(shape: readonly number[]): number | undefined {
  const classes = shape.at(-1);
  return shape.length >= 2 && classes !== undefined && classes >= 2 ? classes : undefined;
}

/** Tolerance on a row's sum for it to count as a distribution (float32 softmax rounding). */
const DISTRIBUTION_TOLERANCE = 1e-3;

/** Probabilities below this are read as this, so a class the reference gives weight never costs infinity. */
const PROBABILITY_FLOOR = 1e-7;

function rowsAreDistributions(values: Float32Array, classes: number): boolean {
  for (let start = 0; start < values.length; start += classes) {
    let total = 0;
    for (let index = start; index < start + classes; index++) {
      const value = values[index]!;
      if (!(value >= 0)) return false;
      total += value;
    }
    if (Math.abs(total - 1) > DISTRIBUTION_TOLERANCE) return false;
  }
  return true;
}

/** Σ over rows of KL(p₀ ‖ p), in float64. */
function rowDivergence(reference: Float32Array, values: Float32Array, classes: number, scores: 'probabilities' | 'logits'): number {
  const expected = new Float64Array(classes);
  const actual = new Float64Array(classes);
  let total = 0;
  for (let start = 0; start < values.length; start += classes) {
    for (let index = 0; index < classes; index++) {
      expected[index] = reference[start + index]!;
      actual[index] = values[start + index]!;
    }
    if (scores === 'logits') {
      logSoftmax(expected);
      logSoftmax(actual);
    } else {
      for (let index = 0; index < classes; index++) {
        expected[index] = Math.log(Math.max(expected[index]!, 0));
        actual[index] = Math.log(Math.max(actual[index]!, PROBABILITY_FLOOR));
      }
    }
    for (let index = 0; index < classes; index++) {
      const logExpected = expected[index]!;
      // A class the reference gives no weight adds nothing, whatever this run gives it.
      if (logExpected === Number.NEGATIVE_INFINITY) continue;
      total += Math.exp(logExpected) * (logExpected - actual[index]!);
    }
  }
  return total;
}

/** `row` replaced by its log-softmax, shifted by its largest value so nothing overflows. */
function logSoftmax(row: Float64Array): void {
  let largest = Number.NEGATIVE_INFINITY;
  for (const value of row) largest = Math.max(largest, value);
  let total = 0;
  for (const value of row) total += Math.exp(value - largest);
  const shift = largest + Math.log(total);
  for (let index = 0; index < row.length; index++) row[index] = row[index]! - shift;
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
