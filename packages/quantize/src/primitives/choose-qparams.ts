/**
 * Choosing a scale and zero point from a range (torchao's `choose_qparams_affine`).
 */
import { WhittleError, describeValue } from '@whittle/core';
import { quantizationRange } from './quantization-range.ts';
import { nearestRepresentableScale, representableScale, type ScaleDType } from './representable-scale.ts';
import { roundHalfToEven } from './round-half-even.ts';

/** The smallest normal double, 2^-1022: the least scale used. */
const SMALLEST_NORMAL = 2 ** -1022;

/** Options of {@link chooseQParams}. */
export interface QParamsOptions {
  /** Code width: 1–8 or 16 (symmetric needs at least 2). */
  readonly bits: number;
  /** Signed codes around a zero point of 0, scaled by the largest magnitude; else unsigned codes with a zero point. */
  readonly symmetric: boolean;
  /** Drop the lowest code (see `quantizationRange`). */
  readonly narrowRange?: boolean;
  /**
   * Round the scale up to one this dtype stores (see `representableScale`) before choosing the
   * zero point, so codes computed here decode exactly from the stored scale. Default: float64
   * (no rounding).
   */
  readonly scaleDType?: ScaleDType;
}

/** A scale and zero point, and the code range they were chosen for. */
export interface QParams {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly signed: boolean;
  readonly qmin: number;
  readonly qmax: number;
}

/**
 * Scale and zero point for values in `[minimum, maximum]`, so that value ≈ (code − zeroPoint) ·
 * scale. The range is first widened to include 0, so zero is exactly representable (zero
 * padding, pruned weights and ReLU outputs stay exactly zero).
 *
 * - symmetric: signed codes, zero point 0, scale = max(|minimum|, |maximum|) / ((qmax − qmin) / 2),
 *   so every code is used (`narrowRange` gives the classic max / 127 for 8 bits);
 * - asymmetric: unsigned codes, scale = (maximum − minimum) / (qmax − qmin), and the zero point
 *   the integer nearest to the code of 0 (the range shifts by under half a step).
 *
 * Either way every value in the range is within scale / 2 of its dequantized code. An all-zero
 * range gets scale 1 (never 0 or NaN). Non-finite or reversed bounds are `invalid-argument` errors.
 *
 * @example
 * ```ts
 * chooseQParams(-1, 0.5, { bits: 8, symmetric: true }); // { scale: 1 / 127.5, zeroPoint: 0, signed: true, qmin: -128, qmax: 127 }
 * chooseQParams(0.2, 1, { bits: 8, symmetric: false }); // { scale: 1 / 255, zeroPoint: 0, signed: false, qmin: 0, qmax: 255 }
 * ```
 */
export function chooseQParams(minimum: number, maximum: number, options: QParamsOptions): QParams {
  if (!Number.isFinite(minimum) || !Number.isFinite(maximum) || minimum > maximum) {
    throw new WhittleError(
      'invalid-argument',
      `expected finite bounds with minimum ≤ maximum, got [${describeValue(minimum)}, ${describeValue(maximum)}]`,
      { field: 'minimum' },
    );
  }
  const { bits, symmetric, narrowRange = false, scaleDType = 'float64' } = options;
  if (symmetric && bits < 2) {
    throw new WhittleError('invalid-argument', 'symmetric quantization needs at least 2 bits', { field: 'bits' });
  }
  const { qmin, qmax } = quantizationRange(bits, symmetric, narrowRange);
  const scale = affineScale(Math.min(minimum, 0), Math.max(maximum, 0), symmetric, qmin, qmax, scaleDType);
  if (symmetric) return { scale, zeroPoint: 0, signed: true, qmin, qmax };
  return { scale, zeroPoint: affineZeroPoint(Math.min(minimum, 0), scale, qmin, qmax), signed: false, qmin, qmax };
}

/**
 * The stored scale for a range that already includes 0 (`low` ≤ 0 ≤ `high`), shared by
 * {@link chooseQParams} and the bulk quantizers so both pick identical scales. Internal.
 *
 * @example
 * ```ts
 * affineScale(-1, 1, true, -128, 127, 'float32'); // 1 / 127.5, rounded up to a float32
 * ```
 */
export function affineScale(
  low: number,
  high: number,
  symmetric: boolean,
  qmin: number,
  qmax: number,
  scaleDType: ScaleDType,
): number {
  const width = symmetric ? 2 * Math.max(-low, high) : high - low;
  // An all-zero range would give scale 0; any positive scale maps 0 to the zero point exactly.
  const raw = width > 0 ? width / (qmax - qmin) : 1;
  if (!Number.isFinite(raw)) {
    throw tooWide(low, high);
  }
  // Subnormal doubles lack the precision to cover a range in steps (or divide to 0); the smallest
  // normal double still keeps every value within half a step.
  return representableScale(Math.max(raw, SMALLEST_NORMAL), scaleDType);
}

/**
 * The zero point of an asymmetric range starting at `low` ≤ 0: the integer code nearest to
 * where 0 falls. Internal.
 *
 * @example
 * ```ts
 * affineZeroPoint(-1, 2 / 255, 0, 255); // 128 (127.5 rounds to even)
 * ```
 */
export function affineZeroPoint(low: number, scale: number, qmin: number, qmax: number): number {
  return Math.min(qmax, Math.max(qmin, qmin - roundHalfToEven(low / scale))) + 0;
}

/**
 * The stored scale of a symmetric range on the signed-extreme grid (ggml's q4_0 grid): the value
 * of largest magnitude in [`low`, `high`] (ties to the positive one) maps to code qmin exactly,
 * so scale = extreme / qmin, negative when the extreme is positive; its magnitude is rounded to
 * the nearest the stored dtype holds (the extreme then maps to within a hair of qmin, which still
 * rounds to qmin; rounding up instead would cost SQNR for nothing). Every code from qmin to qmax can then be
 * used, one more level than the absmax grid's `2·max|x| / (qmax − qmin)` uses on the side of
 * the extreme. An all-zero range gets scale 1. Internal.
 *
 * @example
 * ```ts
 * signedExtremeScale(-0.5, 0.8, -8, 'float32'); // -0.1 rounded to the nearest float32
 * signedExtremeScale(-0.8, 0.5, -8, 'float32'); // 0.1, likewise
 * ```
 */
export function signedExtremeScale(low: number, high: number, qmin: number, scaleDType: ScaleDType): number {
  const extreme = high >= -low ? high : low;
  const magnitude = Math.abs(extreme);
  const raw = magnitude > 0 ? magnitude / -qmin : 1;
  if (!Number.isFinite(raw)) {
    throw tooWide(low, high);
  }
  const floored = Math.max(raw, SMALLEST_NORMAL);
  const rounded = scaleDType === 'float64' ? floored : nearestRepresentableScale(floored, scaleDType);
  return extreme > 0 ? -rounded : rounded;
}

/** The error for a range too wide to quantize, built out of line so the hot callers never see a template literal. */
function tooWide(low: number, high: number): WhittleError {
  return new WhittleError('invalid-argument', `range [${low}, ${high}] is too wide to quantize`, { field: 'maximum' });
}
