/**
 * How stock uint8 codes are rounded. The stock format fixes one `min` and `scale` per tensor but
 * leaves every code free, so rounding each weight to its nearest code is a choice, not a rule.
 * Rounded to nearest, the errors of one output channel's weights add up like a random walk
 * (about √(n / 12) steps over n weights), and a layer whose inputs share a mean (ReLU outputs,
 * pixels) sees that sum times the mean as a shift of its output: the error bias correction folds
 * back into a float bias. `balanced` rounding removes it at the source, data-free: per output
 * channel it moves the fewest codes one step against the channel's summed error, choosing those
 * whose values lie nearest the middle between two codes (the cheapest moves in squared error),
 * until the sum is within half a step. Each weight still moves by less than one step, and the
 * codes, `min` and `scale` are stock: tfjs's own loader decodes them unchanged.
 */
import { WhittleError, affineEncoding, describeValue, isFloatDType, roleAxes, toFloat32, type AffineEncoding, type HostTensor, type ParamRole } from '@whittle/core';
import { tfjsStockQParams } from '@whittle/core/tfjs';
import { firstNonFinite, nonFiniteError } from './non-finite.ts';
import { roundHalfToEven } from './round-half-even.ts';
import { STOCK_RANGES, chooseStockRange, type StockRange } from './uint8-range.ts';

/**
 * How a stock quantization rounds each value to a code: `nearest` as tfjs-converter does;
 * `balanced` moves the cheapest codes of each output channel one step so the channel's summed
 * error stays within half a step (kernels only; other roles round to nearest); `calibrated`
 * chooses each kernel's codes for its layer's outputs on calibration inputs (GPTQ's order over
 * the stock grid; needs the `calibration` resource; see `quantizeTfjsStockCalibrated`).
 */
export const STOCK_ROUNDINGS = ['nearest', 'balanced', 'calibrated'] as const;

/** One of {@link STOCK_ROUNDINGS}. */
export type StockRounding = (typeof STOCK_ROUNDINGS)[number];

/**
 * How a kernel's elements group into output channels: element `(outer · channels + channel) ·
 * inner + position`, its output channel `channel`, summed over `outer` and `position`.
 */
export interface ChannelLayout {
  readonly outer: number;
  readonly channels: number;
  readonly inner: number;
}

const KERNEL_ROLES: ReadonlySet<ParamRole> = new Set(['dense-kernel', 'linear-weight', 'conv2d-kernel', 'conv2d-transpose-kernel', 'depthwise-kernel', 'pointwise-kernel']);

/**
 * The {@link ChannelLayout} of a kernel of `role` and `shape`, or `undefined` for a role whose
 * elements are not summed into output channels (biases, norms, embeddings, `other`). A
 * depthwise kernel `[kh, kw, in, multiplier]` has one output channel per (in, multiplier) pair.
 *
 * @example
 * ```ts
 * kernelChannelLayout('conv2d-kernel', [3, 3, 16, 32]); // { outer: 144, channels: 32, inner: 1 }
 * kernelChannelLayout('linear-weight', [32, 16]); // { outer: 1, channels: 32, inner: 16 }
 * kernelChannelLayout('bias', [32]); // undefined
 * ```
 */
export function kernelChannelLayout(role: ParamRole, shape: readonly number[]): ChannelLayout | undefined {
  if (!KERNEL_ROLES.has(role)) return undefined;
  const { outputAxis } = roleAxes(role, shape.length);
  if (outputAxis === undefined) return undefined;
  // A depthwise kernel's multiplier axis splits each input channel into several outputs.
  const lastChannelAxis = role === 'depthwise-kernel' ? shape.length - 1 : outputAxis;
  const product = (from: number, to: number) => shape.slice(from, to).reduce((total, side) => total * side, 1);
  return { outer: product(0, outputAxis), channels: product(outputAxis, lastChannelAxis + 1), inner: product(lastChannelAxis + 1, shape.length) };
}

/**
 * Quantizes a float kernel to stock tfjs uint8 (per-tensor `min` and `scale` over the range
 * `range` picks, zero nudged onto a code, as `quantizeTfjsStockInRange`) with `balanced`
 * rounding over `layout`'s output channels: codes rounded to nearest, then, per channel, the
 * fewest codes whose values sit nearest a midpoint moved one step against the channel's summed
 * error, so that sum (decoded − value, in steps, clipped values' errors included) ends within
 * half a step wherever enough codes can move, while each value moves by less than one step. For a given
 * channel sum this is the least squared error. Exact zeros stay exact zeros, so pruned weights
 * stay pruned. Stock tfjs decodes the result unchanged. Throws `invalid-tensor` for a non-float
 * dtype or a non-finite element and `invalid-argument` for a layout that does not cover the
 * tensor.
 *
 * @example
 * ```ts
 * const kernel = hostTensor('float32', [256, 8], weights);
 * const encoding = quantizeTfjsStockBalanced(kernel, 'minmax', kernelChannelLayout('dense-kernel', [256, 8])!);
 * // Σ over each column of (code · scale + min − weight) is within scale / 2.
 * ```
 */
export function quantizeTfjsStockBalanced(tensor: HostTensor, range: StockRange, layout: ChannelLayout): AffineEncoding {
  if (!isFloatDType(tensor.dtype)) {
    throw new WhittleError('invalid-tensor', `quantizes float tensors, got ${describeValue(tensor.dtype)}`, { field: 'dtype' });
  }
  if (!(STOCK_RANGES as readonly unknown[]).includes(range)) {
    throw new WhittleError('invalid-argument', `range must be one of ${STOCK_RANGES.join(', ')}, got ${describeValue(range)}`, { field: 'range' });
  }
  const values = toFloat32(tensor).data;
  const { outer, channels, inner } = layout;
  if (![outer, channels, inner].every((side) => Number.isSafeInteger(side) && side > 0) || outer * channels * inner !== values.length) {
    throw new WhittleError('invalid-argument', `channel layout ${outer}×${channels}×${inner} does not cover ${values.length} elements`, { field: 'layout' });
  }
  const nonFinite = firstNonFinite(values);
  if (nonFinite >= 0) throw nonFiniteError(values, nonFinite);
  const bits = 8;
  const levels = 255;
  const { low, high } = range === 'mse' ? chooseStockRange(values, bits) : extremes(values);
  const { scale, min } = tfjsStockQParams(low, high, bits);
  const codes = new Uint8Array(values.length);
  if (low !== high) {
    const zeroCode = roundHalfToEven(-min / scale);
    const members = new Int32Array(outer * inner);
    const errors = new Float64Array(outer * inner);
    for (let channel = 0; channel < channels; channel++) {
      // Nearest codes first, and each one's error in steps (code − exact).
      let count = 0;
      let summed = 0;
      for (let block = 0; block < outer; block++) {
        const start = (block * channels + channel) * inner;
        for (let index = start; index < start + inner; index++) {
          const value = values[index]!;
          if (value === 0 && low <= 0 && 0 <= high) {
            codes[index] = zeroCode;
            continue;
          }
          const exact = (value - min) / scale;
          const code = Math.min(Math.max(roundHalfToEven(exact), 0), 255);
          codes[index] = code;
          summed += code - exact;
          // A clipped value's code cannot move towards it; the others make up for its error.
          if (exact < 0 || exact > 255) continue;
          members[count] = index;
          errors[count++] = code - exact;
        }
      }
      const flips = Math.round(Math.abs(summed));
      if (flips === 0) continue;
      // Moving a code one step against the sum costs 1 − 2·|error| of squared error (in steps²):
      // least for the codes rounded furthest the sum's way, so those move first.
      const direction = summed > 0 ? 1 : -1;
      const order = Array.from({ length: count }, (_, position) => position).filter((position) => errors[position]! * direction > 0);
      order.sort((first, second) => errors[second]! * direction - errors[first]! * direction);
      for (let flip = 0; flip < Math.min(flips, order.length); flip++) {
        const index = members[order[flip]!]!;
        codes[index] = codes[index]! - direction;
      }
    }
  }
  return affineEncoding({
    shape: [...tensor.shape],
    bits,
    signed: false,
    granularity: { kind: 'tensor' },
    codes,
    scales: { dtype: 'float64', shape: [], data: Float64Array.of(scale) },
    offsets: { dtype: 'float64', shape: [], data: Float64Array.of(min) },
  });
}

function extremes(values: Float32Array): { low: number; high: number } {
  let low = values.length === 0 ? 0 : Number.POSITIVE_INFINITY;
  let high = values.length === 0 ? 0 : Number.NEGATIVE_INFINITY;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (value < low) low = value;
    if (value > high) high = value;
  }
  return { low, high };
}
