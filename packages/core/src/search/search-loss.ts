/**
 * What a search minimises: how much a candidate model loses against the original, as one number
 * that can be measured per layer, added up across layers and compared between recipes.
 */
import { WhittleError } from '../errors.ts';
import { higherIsBetter, type SearchMetric } from './measure-model.ts';
import type { Sensitivity } from './sensitivity.ts';

/**
 * The losses a search can rank settings by:
 * - `divergence`: the mean KL divergence of the model's output distribution from the original's
 *   on the data (outputs that are class scores: logits or probabilities). Continuous, needing no
 *   labels, and far less noisy than accuracy on a few hundred samples, where one sample moves
 *   accuracy by a whole step and most gentle settings measure no drop at all.
 * - `output-error`: Σ‖y − y₀‖² / Σ‖y₀‖², how far the outputs moved (any outputs, no labels).
 * - `metric`: the metric's change from the original's on the data's targets (a drop counts
 *   positive, a gain negative), plus the output error to rank settings the metric cannot tell apart.
 */
export const SEARCH_LOSSES = ['divergence', 'output-error', 'metric'] as const;

/** One of {@link SEARCH_LOSSES}. */
export type SearchLoss = (typeof SEARCH_LOSSES)[number];

/** The figures a loss is computed from. */
export interface LossFigures {
  readonly metric?: number;
  readonly outputError?: number;
  readonly divergence?: number;
}

/**
 * How much output error weighs beside the metric's change in the `metric` loss. At weight 1 an
 * error of 0.01 (an SQNR of 20 dB) counts as one point of accuracy.
 */
const OUTPUT_ERROR_WEIGHT = 1;

/**
 * The loss a search uses on `sensitivity` when none is asked for: `divergence` where the outputs
 * are class scores, else `metric` where the data has targets, else `output-error`.
 *
 * @example
 * ```ts
 * defaultSearchLoss(await analyzeSensitivity(classifier, { data })); // 'divergence'
 * ```
 */
export function defaultSearchLoss(sensitivity: Sensitivity): SearchLoss {
  if (sensitivity.baseline.divergence !== undefined) return 'divergence';
  return sensitivity.metric === undefined ? 'output-error' : 'metric';
}

/**
 * The function scoring figures by `loss` (lower is better; the original model scores 0), or an
 * `invalid-argument` WhittleError naming `loss` when it is not one of {@link SEARCH_LOSSES} or
 * needs what the sensitivities lack (class-score outputs for `divergence`, targets for `metric`).
 *
 * @example
 * ```ts
 * const lossOf = searchLossFunction(sensitivity, 'divergence');
 * lossOf(sensitivity.layers[0]!.entries[0]!); // 0.0042
 * ```
 */
export function searchLossFunction(sensitivity: Sensitivity, loss: unknown = defaultSearchLoss(sensitivity)): (figures: LossFigures) => number {
  if (!(SEARCH_LOSSES as readonly unknown[]).includes(loss)) {
    throw new WhittleError('invalid-argument', `loss must be one of ${SEARCH_LOSSES.join(', ')}`, { field: 'loss' });
  }
  if (loss === 'divergence') {
    if (sensitivity.baseline.divergence === undefined) {
      throw new WhittleError('invalid-argument', 'the divergence loss needs outputs that are class scores ([batch, classes], at least two classes)', { field: 'loss' });
    }
    return (figures) => figures.divergence ?? 0;
  }
  if (loss === 'output-error') return (figures) => figures.outputError ?? 0;
  const { metric } = sensitivity;
  const base = sensitivity.baseline.metric;
  if (metric === undefined || base === undefined) {
    throw new WhittleError('invalid-argument', 'the metric loss needs data with targets (labels) to measure the metric on', { field: 'loss' });
  }
  // Not clamped at 0: a setting that happens to score better still ranks below one that scores worse.
  return (figures) => metricChange(metric, base, figures.metric) + OUTPUT_ERROR_WEIGHT * (figures.outputError ?? 0);
}

/**
 * How far `value` fell from `base` by `metric` (negative where it rose); 0 when unmeasured.
 *
 * @example
 * ```ts
 * metricChange('accuracy', 0.9, 0.88); // 0.02 (to rounding)
 * ```
 */
export function metricChange(metric: SearchMetric, base: number, value: number | undefined): number {
  if (value === undefined) return 0;
  return higherIsBetter(metric) ? base - value : value - base;
}
