/**
 * The range stock tfjs uint8 codes cover. The stock format stores one `min` and one `scale` per
 * tensor and nothing else, so the range is the only freedom it leaves: tfjs-converter spans
 * [min, max], which spends most of the 256 codes on a few outliers when a tensor has them (batch
 * norm folded into a convolution makes many). Clipping those outliers to a narrower range costs
 * their clipping error and buys every other weight a finer step; the `mse` range picks the
 * trade-off that minimises the tensor's squared error. Whatever range is chosen, the tensor is
 * quantized by the converter's own rule over that range, so stock tfjs loads it unchanged.
 */
import { WhittleError, describeValue, isFloatDType, toFloat32, type AffineEncoding, type HostTensor } from '@whittle/core';
import { quantizeStockAffine, tfjsStockQParams } from '@whittle/core/tfjs';
import { firstNonFinite, nonFiniteError } from './non-finite.ts';
import { roundHalfToEven } from './round-half-even.ts';

/**
 * How a stock quantization picks its per-tensor range: `minmax` spans every value, as
 * tfjs-converter does; `mse` clips rare outliers where that lowers the tensor's squared error.
 */
export const STOCK_RANGES = ['minmax', 'mse'] as const;

/** One of {@link STOCK_RANGES}. */
export type StockRange = (typeof STOCK_RANGES)[number];

/** A range [low, high] a stock quantization spans before the converter nudges zero onto a code. */
export interface StockValueRange {
  /** Values below are clipped to it: the range's lower end, a float32 value. */
  readonly low: number;
  /** Values above are clipped to it: the range's upper end, a float32 value. */
  readonly high: number;
}

/** Most values the search sorts: the tails it clips are found in a strided sample of this size. */
const SAMPLE_LIMIT = 1 << 16;
/** Points of the even grid of clipping levels per side, from no clipping to 15/16 of the way to the median. */
const GRID_STEPS = 48;
/** Estimated best ranges checked exactly on every value, with [min, max] itself. */
const EXACT_CHECKS = 3;

/**
 * Quantizes a float tensor the stock tfjs way (see `quantizeTfjsStock`) over the range `range`
 * chooses: `minmax` is exactly tfjs-converter's `--quantize_uint8`; `mse` spans the range
 * {@link chooseStockRange} picks, values outside it clipped to its ends. Either way the result is
 * the converter's rule applied to that range, `{ min, scale }` in the offset form, and stock tfjs
 * decodes it unchanged. Throws `invalid-tensor` naming the element for NaN or an infinity.
 *
 * @example
 * ```ts
 * const weights = hostTensor('float32', [5], new Float32Array([-0.1, 0, 0.05, 0.1, 9]));
 * const encoding = quantizeTfjsStockInRange(weights, 'uint8', 'mse');
 * encoding.scales.data[0]; // far below 9.1 / 255: the outlier 9 is clipped
 * ```
 */
export function quantizeTfjsStockInRange(tensor: HostTensor, dtype: 'uint8' | 'uint16', range: StockRange): AffineEncoding {
  if (!isFloatDType(tensor.dtype)) {
    throw new WhittleError('invalid-tensor', `quantizes float tensors, got ${describeValue(tensor.dtype)}`, { field: 'dtype' });
  }
  if (dtype !== 'uint8' && dtype !== 'uint16') {
    throw new WhittleError('invalid-argument', `stock tfjs quantization is uint8 or uint16, got ${describeValue(dtype)}`, { field: 'dtype' });
  }
  if (!(STOCK_RANGES as readonly unknown[]).includes(range)) {
    throw new WhittleError('invalid-argument', `range must be one of ${STOCK_RANGES.join(', ')}, got ${describeValue(range)}`, { field: 'range' });
  }
  const values = toFloat32(tensor).data;
  const nonFinite = firstNonFinite(values);
  if (nonFinite >= 0) throw nonFiniteError(values, nonFinite);
  const bits = dtype === 'uint8' ? 8 : 16;
  if (range === 'minmax') return quantizeStockAffine(values, tensor.shape, bits);
  const { low, high } = chooseStockRange(values, bits);
  // The converter's rule over [low, high] is its rule over the values clipped there: the clipped
  // copy's extremes are low and high (float32 values the search picked between the extremes).
  const clipped = new Float32Array(values.length);
  for (let index = 0; index < values.length; index++) clipped[index] = Math.min(Math.max(values[index]!, low), high);
  return quantizeStockAffine(clipped, tensor.shape, bits);
}

/**
 * The range [low, high] (float32 values within the tensor's [min, max], holding zero whenever
 * [min, max] does, so pruned zeros stay exact) over which stock quantization to `bits` gives
 * the least squared error over `values`. A strided sample of at most 65,536 values is sorted; for
 * every pair of clipping levels on its tails (sample quantiles and an even grid towards the
 * median) the error is estimated as the exact clipping error plus step² / 12 per value inside;
 * the few best pairs and [min, max] are then measured exactly on every value, with the
 * converter's nudge of zero onto a code, and the least error wins. So the result is never worse
 * than [min, max] on the tensor's own squared error. Values must be finite.
 *
 * @example
 * ```ts
 * const values = new Float32Array(1000).map((_, index) => Math.sin(index) * 0.1);
 * values[0] = 5;
 * chooseStockRange(values, 8); // { low: about -0.1, high: about 0.1 }
 * ```
 */
export function chooseStockRange(values: Float32Array, bits: 8 | 16): StockValueRange {
  let minimum = Number.POSITIVE_INFINITY;
  let maximum = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (value < minimum) minimum = value;
    if (value > maximum) maximum = value;
  }
  const fullRange = { low: minimum, high: maximum };
  if (!(minimum < maximum)) return values.length === 0 ? { low: 0, high: 0 } : fullRange;
  const levels = 2 ** bits - 1;
  const sorted = sortedSample(values, minimum, maximum);
  const sums = prefixSums(sorted);
  const median = sorted[sorted.length >> 1]!;
  const lows = candidateLevels(sorted, minimum, median, 'low');
  const highs = candidateLevels(sorted, maximum, median, 'high');
  const holdsZero = minimum <= 0 && 0 <= maximum;

  const estimates: Array<{ low: number; high: number; error: number }> = [];
  for (let low of lows) {
    if (holdsZero && low > 0) low = 0;
    for (let high of highs) {
      if (holdsZero && high < 0) high = 0;
      if (!(low < high)) continue;
      estimates.push({ low, high, error: estimatedError(sorted, sums, low, high, levels) });
    }
  }
  estimates.sort((a, b) => a.error - b.error);
  let best = fullRange;
  let bestError = exactError(values, minimum, maximum, bits);
  for (const candidate of estimates.slice(0, EXACT_CHECKS)) {
    const error = exactError(values, candidate.low, candidate.high, bits);
    if (error < bestError) {
      best = { low: candidate.low, high: candidate.high };
      bestError = error;
    }
  }
  return best;
}

/**
 * The squared error, summed over `values`, of stock quantization over [low, high]: the values
 * clipped there, coded by the converter's rule (zero nudged onto a code) and decoded as stock
 * tfjs does, `code · scale + min`.
 *
 * @example
 * ```ts
 * stockSquaredError(new Float32Array([-1, 0, 1]), -1, 1, 8); // about 3e-5: the step is 2/255
 * ```
 */
export function stockSquaredError(values: Float32Array, low: number, high: number, bits: 8 | 16): number {
  return exactError(values, low, high, bits);
}

function exactError(values: Float32Array, low: number, high: number, bits: 8 | 16): number {
  const levels = 2 ** bits - 1;
  const { scale, min, max } = tfjsStockQParams(low, high, bits);
  let error = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    const clipped = Math.min(Math.max(value, min), max);
    const code = low === high ? 0 : Math.min(Math.max(roundHalfToEven((clipped - min) / scale), 0), levels);
    const difference = Math.fround(code * scale + min) - value;
    error += difference * difference;
  }
  return error;
}

/** Sorted values (every value, or every k-th), with the true extremes always in. */
function sortedSample(values: Float32Array, minimum: number, maximum: number): Float64Array {
  const stride = Math.max(1, Math.ceil(values.length / SAMPLE_LIMIT));
  const count = Math.ceil(values.length / stride);
  const sample = new Float64Array(count + 2);
  for (let index = 0; index < count; index++) sample[index] = values[index * stride]!;
  sample[count] = minimum;
  sample[count + 1] = maximum;
  return sample.sort();
}

/** Running sums of the sorted values and their squares: `sums[0][i]` is the sum of the first i. */
function prefixSums(sorted: Float64Array): readonly [Float64Array, Float64Array] {
  const first = new Float64Array(sorted.length + 1);
  const second = new Float64Array(sorted.length + 1);
  for (let index = 0; index < sorted.length; index++) {
    const value = sorted[index]!;
    first[index + 1] = first[index]! + value;
    second[index + 1] = second[index]! + value * value;
  }
  return [first, second];
}

/**
 * Clipping levels for one side: the extreme itself, sample values 1, 2, 3, 5, 8, … places in from
 * it (up to a quarter of the sample), and an even grid from the extreme towards the median.
 * Every level is a float32 value, so a clipped float32 copy reaches it exactly.
 */
function candidateLevels(sorted: Float64Array, extreme: number, median: number, side: 'low' | 'high'): number[] {
  const levels = new Set<number>([extreme]);
  const last = sorted.length - 1;
  for (let step = 1, previous = 0; step <= sorted.length / 4; [previous, step] = [step, step + Math.max(previous, 1)]) {
    levels.add(side === 'low' ? sorted[step]! : sorted[last - step]!);
  }
  for (let step = 1; step < GRID_STEPS; step++) {
    levels.add(Math.fround(extreme + ((median - extreme) * step) / (GRID_STEPS * (16 / 15))));
  }
  return [...levels];
}

/** Estimated squared error per sample value: exact clipping error, step² / 12 for each value inside. */
function estimatedError(sorted: Float64Array, sums: readonly [Float64Array, Float64Array], low: number, high: number, levels: number): number {
  const [first, second] = sums;
  const below = lowerBound(sorted, low);
  const above = lowerBound(sorted, high);
  const countAbove = sorted.length - above;
  const clipBelow = second[below]! - 2 * low * first[below]! + below * low * low;
  const sumAbove = first[sorted.length]! - first[above]!;
  const squaresAbove = second[sorted.length]! - second[above]!;
  const clipAbove = squaresAbove - 2 * high * sumAbove + countAbove * high * high;
  const step = (high - low) / levels;
  return clipBelow + clipAbove + ((above - below) * step * step) / 12;
}

/** How many sorted values are below `value`. */
function lowerBound(sorted: Float64Array, value: number): number {
  let start = 0;
  let end = sorted.length;
  while (start < end) {
    const middle = (start + end) >> 1;
    if (sorted[middle]! < value) start = middle + 1;
    else end = middle;
  }
  return start;
}
