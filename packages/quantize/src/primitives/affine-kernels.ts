/**
 * The hot loops of affine quantization in JS, over typed arrays: a range pass and a code pass,
 * with no per-element calls, closures or allocations. They are the spec the WebAssembly SIMD
 * kernel (../simd) is tested against, and run whatever it does not cover. Per axis (and per tensor) the scales depend
 * only on the position along the axis, so the whole tensor is scanned, then coded; per group the
 * tensor is processed one group at a time while it is in cache. Each loop shape is its own small
 * function, so V8 optimises each for the one shape it sees. Codes are written unpacked, masked to
 * `bits` (one per byte, or per 16-bit element).
 */
import { affineScale, affineZeroPoint, signedExtremeScale } from './choose-qparams.ts';
import type { AffineLayout } from './affine-layout.ts';
import type { ScaleDType } from './representable-scale.ts';
import { ROUNDING_MAGIC } from './round-half-even.ts';
import { rangesAcrossRows, rangesAlongRuns, rangesFinite, runMagnitude, runMaximum, runMinimum } from './affine-ranges.ts';

/** The scale grids of symmetric codes: the list {@link ScaleGrid} is derived from. */
export const SCALE_GRIDS = ['absmax', 'signed-extreme'] as const;

/** How a symmetric scale is chosen from a slice's values (see `QuantizeAffineOptions.grid`). */
export type ScaleGrid = (typeof SCALE_GRIDS)[number];

/** What the codes are: their range and how scales are stored. */
export interface CodeSpec {
  /** Code width, 1–8 or 16. */
  readonly bits: number;
  readonly symmetric: boolean;
  /** Symmetric codes only: `'signed-extreme'` maps the value of largest magnitude to qmin. */
  readonly grid: ScaleGrid;
  readonly qmin: number;
  readonly qmax: number;
  /** 2^bits − 1: keeps the two's-complement low bits of signed codes. */
  readonly mask: number;
  readonly scaleDType: ScaleDType;
}

/** Per-slot results, one entry per scale. */
export interface SlotParams {
  readonly scales: Float64Array;
  readonly zeroPoints: Float64Array;
}

/** Unpacked codes, masked to `bits`. */
export type MaskedCodes = Uint8Array | Uint16Array;

/** An affine encoding's stored parts: packed codes, scales in their stored dtype (float16 as bits), zero points. */
export interface AffineParts {
  readonly codes: Uint8Array;
  readonly scales: Float32Array | Uint16Array;
  readonly zeroPoints?: Uint8Array | Uint16Array;
}

/**
 * Quantizes with one scale per position along the layout's axis (per axis, or per tensor when
 * the layout has a single position). Returns false, having written nothing useful, when a value
 * is not finite.
 *
 * @example
 * ```ts
 * const finite = quantizeByPositionJs(values, affineLayout(shape, granularity), spec, params, codes);
 * ```
 */
export function quantizeByPositionJs(
  values: Float32Array,
  layout: AffineLayout,
  spec: CodeSpec,
  params: SlotParams,
  codes: MaskedCodes,
): boolean {
  const { outer, length, inner } = layout;
  // Ranges start at [0, 0]: they are widened to include 0 anyway, and Math.min / Math.max carry a
  // NaN through (branch-free, where compare-and-branch mispredicts on short runs).
  const minima = new Float64Array(length);
  const maxima = new Float64Array(length);
  if (inner === 1) rangesAcrossRows(values, outer, length, minima, maxima, magnitudeOnly(spec));
  else rangesAlongRuns(values, outer, length, inner, minima, maxima, magnitudeOnly(spec));
  if (!rangesFinite(minima, maxima, length)) return false;
  const inverse = new Float64Array(length);
  const zeroPoints = new Int32Array(length);
  for (let position = 0; position < length; position++) {
    setSlot(minima[position]!, maxima[position]!, position, spec, params);
    inverse[position] = inverseScale(params.scales[position]!);
    zeroPoints[position] = params.zeroPoints[position]!;
  }
  if (inner === 1) codesAcrossRows(values, outer, length, inverse, zeroPoints, spec, codes);
  else {
    for (let outerIndex = 0, start = 0; outerIndex < outer; outerIndex++) {
      for (let position = 0; position < length; position++, start += inner) {
        codeRun(values, start, start + inner, inverse[position]!, zeroPoints[position]!, spec, codes);
      }
    }
  }
  return true;
}

/**
 * Quantizes with one scale per group of `groupSize` positions along the layout's axis (and per
 * outer and inner index). Returns false when a value is not finite.
 *
 * @example
 * ```ts
 * const finite = quantizeByGroupJs(values, affineLayout(shape, granularity), spec, params, codes);
 * ```
 */
export function quantizeByGroupJs(
  values: Float32Array,
  layout: AffineLayout,
  spec: CodeSpec,
  params: SlotParams,
  codes: MaskedCodes,
): boolean {
  return layout.inner === 1
    ? contiguousGroups(values, layout, spec, params, codes)
    : stridedGroups(values, layout, spec, params, codes);
}

/** Groups of consecutive elements (the axis is the last one that is not 1). */
function contiguousGroups(values: Float32Array, layout: AffineLayout, spec: CodeSpec, params: SlotParams, codes: MaskedCodes): boolean {
  const { outer, length, groupSize, groupCount } = layout;
  const { scales, zeroPoints } = params;
  let slot = 0;
  for (let outerIndex = 0; outerIndex < outer; outerIndex++) {
    const rowStart = outerIndex * length;
    for (let group = 0; group < groupCount; group++, slot++) {
      const start = rowStart + group * groupSize;
      const end = Math.min(start + groupSize, rowStart + length);
      const magnitudes = magnitudeOnly(spec);
      const magnitude = magnitudes ? runMagnitude(values, start, end) : 0;
      const low = magnitudes ? -magnitude : runMinimum(values, start, end);
      const high = magnitudes ? magnitude : runMaximum(values, start, end);
      if (!(high - low <= Number.MAX_VALUE)) return false;
      setSlot(low, high, slot, spec, params);
      codeRun(values, start, end, inverseScale(scales[slot]!), zeroPoints[slot]!, spec, codes);
    }
  }
  return true;
}

/** Groups of rows: each block of `groupSize` rows holds one group per inner index. */
function stridedGroups(values: Float32Array, layout: AffineLayout, spec: CodeSpec, params: SlotParams, codes: MaskedCodes): boolean {
  const { outer, length, inner, groupSize, groupCount } = layout;
  const minima = new Float64Array(inner);
  const maxima = new Float64Array(inner);
  const inverse = new Float64Array(inner);
  const zeroPoints = new Int32Array(inner);
  let slot = 0;
  for (let outerIndex = 0; outerIndex < outer; outerIndex++) {
    for (let group = 0; group < groupCount; group++, slot += inner) {
      const first = group * groupSize;
      const rows = Math.min(groupSize, length - first);
      const start = (outerIndex * length + first) * inner;
      minima.fill(0);
      maxima.fill(0);
      rangesAcrossRows(values.subarray(start, start + rows * inner), rows, inner, minima, maxima, magnitudeOnly(spec));
      if (!rangesFinite(minima, maxima, inner)) return false;
      for (let column = 0; column < inner; column++) {
        setSlot(minima[column]!, maxima[column]!, slot + column, spec, params);
        inverse[column] = inverseScale(params.scales[slot + column]!);
        zeroPoints[column] = params.zeroPoints[slot + column]!;
      }
      codesAcrossRows(values.subarray(start, start + rows * inner), rows, inner, inverse, zeroPoints, spec, codes.subarray(start, start + rows * inner));
    }
  }
  return true;
}

/**
 * 1 / scale as the codes use it: rounded to float32, so a code is round(float32(value · inverse))
 * + zeroPoint, the float32 product that SIMD lanes compute four at a time (ggml and PyTorch
 * quantize with the same product). A scale so small that its inverse is beyond float32 (below
 * about 2^-128, only for tensors of subnormal values) keeps the float64 inverse.
 *
 * @example
 * ```ts
 * inverseScale(0.1); // 10 (Math.fround(10))
 * ```
 */
export function inverseScale(scale: number): number {
  const inverse = Math.fround(1 / scale);
  return Math.abs(inverse) === Infinity ? 1 / scale : inverse;
}

/**
 * Codes of a row-major [rows, columns] block with one scale per column: round(value ·
 * inverse) + zeroPoint, clamped, the product rounded to float32 (see {@link inverseScale}): the
 * float64 product of two float32 values is exact, so Math.fround gives the float32 product bit
 * for bit. Adding and subtracting ROUNDING_MAGIC rounds half to even in the FPU (branch-free); the
 * zero point is added after rounding, so ties break as `quantizeValue` breaks them; clamping on
 * int32 is cheaper than on doubles.
 */
function codesAcrossRows(
  values: Float32Array,
  rows: number,
  columns: number,
  inverse: Float64Array,
  zeroPoints: Int32Array,
  spec: CodeSpec,
  codes: MaskedCodes,
): void {
  const { qmin, qmax, mask } = spec;
  for (let row = 0, index = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++, index++) {
      let code = ((Math.fround(values[index]! * inverse[column]!) + ROUNDING_MAGIC - ROUNDING_MAGIC) | 0) + zeroPoints[column]!;
      code = code < qmin ? qmin : code > qmax ? qmax : code;
      codes[index] = code & mask;
    }
  }
}

/** Codes of values[start, end) sharing one scale (see {@link codesAcrossRows}). */
function codeRun(
  values: Float32Array,
  start: number,
  end: number,
  scaleInverse: number,
  zeroPoint: number,
  spec: CodeSpec,
  codes: MaskedCodes,
): void {
  const { qmin, qmax, mask } = spec;
  for (let index = start; index < end; index++) {
    let code = ((Math.fround(values[index]! * scaleInverse) + ROUNDING_MAGIC - ROUNDING_MAGIC) | 0) + zeroPoint;
    code = code < qmin ? qmin : code > qmax ? qmax : code;
    codes[index] = code & mask;
  }
}

/** Whether a slot's scale needs only its largest magnitude (the absmax grid), not its signed range. */
function magnitudeOnly(spec: CodeSpec): boolean {
  return spec.symmetric && spec.grid === 'absmax';
}

/** Scale and zero point of one slot from its value range (which includes 0). */
function setSlot(low: number, high: number, slot: number, spec: CodeSpec, params: SlotParams): void {
  const scale =
    spec.symmetric && spec.grid === 'signed-extreme'
      ? signedExtremeScale(low, high, spec.qmin, spec.scaleDType)
      : affineScale(low, high, spec.symmetric, spec.qmin, spec.qmax, spec.scaleDType);
  params.scales[slot] = scale;
  params.zeroPoints[slot] = spec.symmetric ? 0 : affineZeroPoint(low, scale, spec.qmin, spec.qmax);
}
