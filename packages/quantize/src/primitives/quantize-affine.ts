/**
 * Affine quantization of a whole tensor (torchao's `quantize_affine` with its qparams chosen):
 * per tensor, per axis or per group, symmetric or not, into core's AffineEncoding.
 */
import {
  WhittleError,
  affineByteLength,
  affineEncoding,
  checkEntriesBound,
  describeValue,
  float32ToFloat16Bits,
  isFloatDType,
  normalizeGranularity,
  packMaskedCodesInto,
  packedByteLength,
  scalesShape,
  toFloat32,
  type AffineEncoding,
  type Granularity,
  type HostTensor,
} from '@whittle/core';
import { affineLayout, type AffineLayout } from './affine-layout.ts';
import { SCALE_GRIDS, quantizeByGroupJs, quantizeByPositionJs, type CodeSpec, type MaskedCodes, type ScaleGrid, type SlotParams } from './affine-kernels.ts';
import { firstNonFinite, nonFiniteError } from './non-finite.ts';
import { quantizationRange } from './quantization-range.ts';
import {
  allocateDestination,
  destinationParts,
  scratchFor,
  type AffinePartsSize,
  type AffineScratch,
  type DestinationParts,
  type QuantizeAffineDestination,
} from './quantize-affine-destination.ts';
import { quantizeByGroupSimd, quantizeByPositionSimd } from '../simd/affine-simd.ts';

/** Options of {@link quantizeAffine}. */
export interface QuantizeAffineOptions {
  /** Code width: 1–8 or 16 (symmetric needs at least 2). */
  readonly bits: number;
  /** Signed codes with no zero points (default), or unsigned codes with a zero point per scale. */
  readonly symmetric?: boolean;
  /** Drop the lowest code (`[-127, 127]` for signed 8 bits). Default false. */
  readonly narrowRange?: boolean;
  /** How scales are shared; a negative axis counts from the end. */
  readonly granularity: Granularity;
  /** How scales are stored: float16 per group (ggml's layout), float32 otherwise, by default. */
  readonly scaleDType?: 'float32' | 'float16';
  /**
   * How a symmetric scale is chosen (symmetric codes only):
   * - `'absmax'`: scale = 2·max|x| / (qmax − qmin), so ±max|x| sit half a step inside the end
   *   codes and every value decodes to within scale / 2;
   * - `'signed-extreme'` (ggml's q4_0 grid): scale = extreme / qmin, where the extreme is the value
   *   of largest magnitude with its sign (ties to the positive one), so the extreme decodes
   *   exactly and all 2^bits codes are used; the scale is negative when the extreme is positive.
   *   Values within the extreme's side decode to within |scale| / 2; a value of the opposite sign
   *   and the same magnitude clamps to qmax, within |scale|.
   *
   * Default: `'signed-extreme'` for symmetric 4-bit codes in groups (better SQNR at the same
   * size: about 0.9 dB on Gaussian and Laplacian weights), `'absmax'` otherwise.
   */
  readonly grid?: ScaleGrid;
}

/** Everything a call works out from the shape and options before reading a value. */
interface AffinePlan {
  readonly shape: number[];
  readonly granularity: Granularity;
  readonly layout: AffineLayout;
  readonly spec: CodeSpec;
  readonly size: AffinePartsSize;
}

/**
 * Quantizes a float tensor: for each scale's slice, the range (widened to include 0) picks a
 * scale and zero point as {@link chooseQParams} does (or, on the signed-extreme grid, the value
 * of largest magnitude picks the scale, see {@link QuantizeAffineOptions.grid}), with the scale
 * rounded up to its stored dtype, and each value becomes round(value · inverse) + zeroPoint, half
 * to even, clamped, where inverse is 1 / scale rounded to float32 and the product is the float32
 * product (what SIMD lanes and GPUs compute, as ggml and PyTorch quantize; the same bytes on every
 * path). On the absmax grid every value then decodes to within scale / 2 of itself (and a
 * float32 rounding of the product), and 0 decodes to exactly 0 on both.
 *
 * `destination` (optional) holds buffers the caller owns for the packed codes, scales and zero
 * points, and scratch to reuse (see {@link QuantizeAffineDestination}): the bytes written are
 * the same as without it, the encoding returned holds views of them, and a buffer too short or
 * of the wrong type is an `invalid-argument` error naming its field. After an error the
 * destination's contents are unspecified.
 *
 * Any float dtype is read (as float32). Throws `invalid-tensor` naming the element when a value
 * is NaN or infinite, and `invalid-argument` for bad options.
 *
 * @example
 * ```ts
 * const kernel = hostTensor('float32', [64, 32], weights); // dense kernel [in, out]
 * const int8 = quantizeAffine(kernel, { bits: 8, granularity: { kind: 'axis', axis: 1 } });
 * const int4 = quantizeAffine(kernel, { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } });
 * byteLength(int4); // 64 * 32 / 2 + 2 * 32 * 2 = 1152
 *
 * // In a loop, into reused buffers: nothing allocated per call once they are large enough.
 * const options = { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } } as const;
 * const destination = quantizeAffineDestination([4096, 4096], options);
 * for (const tensor of kernels) write(quantizeAffine(tensor, options, destination));
 * ```
 */
export function quantizeAffine(tensor: HostTensor, options: QuantizeAffineOptions, destination?: QuantizeAffineDestination): AffineEncoding {
  if (!isFloatDType(tensor.dtype)) {
    throw new WhittleError('invalid-tensor', `quantizes float tensors, got ${describeValue(tensor.dtype)}`, {
      field: 'dtype',
    });
  }
  const plan = planAffine(tensor.shape, options);
  const { shape, granularity, layout, spec, size } = plan;
  const values = toFloat32(tensor).data;
  // An empty tensor's shape alone could ask for billions of scales.
  checkEntriesBound(layout.slotCount, values.length);
  const parts = destinationParts(destination, size, values);
  quantizeInto(values, plan, parts, destination?.scratch);
  const parametersShape = scalesShape(shape, granularity);
  const scales =
    parts.scales instanceof Float32Array
      ? { dtype: 'float32' as const, shape: parametersShape, data: parts.scales }
      : { dtype: 'float16' as const, shape: parametersShape, data: parts.scales };
  const zeroPoints =
    parts.zeroPoints === undefined
      ? undefined
      : parts.zeroPoints instanceof Uint16Array
        ? { dtype: 'uint16' as const, shape: parametersShape, data: parts.zeroPoints }
        : { dtype: 'uint8' as const, shape: parametersShape, data: parts.zeroPoints };
  return affineEncoding({ shape, bits: spec.bits, signed: spec.symmetric, granularity, codes: parts.codes, scales, zeroPoints });
}

/**
 * Buffers sized for `quantizeAffine(tensor of shape, options, destination)`: exactly the codes,
 * scales and zero points it stores, and a fresh scratch. Reuse them call after call; a
 * destination sized for a larger tensor serves smaller ones too.
 *
 * @example
 * ```ts
 * const options = { bits: 8, granularity: { kind: 'axis', axis: 1 } } as const;
 * const destination = quantizeAffineDestination([4096, 4096], options);
 * const encoding = quantizeAffine(kernel, options, destination); // encoding.codes is a view of destination.codes
 * ```
 */
export function quantizeAffineDestination(shape: readonly number[], options: QuantizeAffineOptions): QuantizeAffineDestination {
  const { size, layout } = planAffine(shape, options);
  checkEntriesBound(layout.slotCount, shape.reduce((product, dimension) => product * dimension, 1));
  return allocateDestination(size);
}

/** Checks the options against the shape and works out the layout, code spec and part sizes. */
function planAffine(tensorShape: readonly number[], options: QuantizeAffineOptions): AffinePlan {
  const { bits, symmetric = true, narrowRange = false } = options;
  const shape = [...tensorShape];
  const granularity = checkGranularity(options.granularity, shape);
  const scaleDType = checkScaleDType(options.scaleDType, granularity);
  if (symmetric && bits < 2) {
    throw new WhittleError('invalid-argument', 'symmetric quantization needs at least 2 bits', { field: 'bits' });
  }
  const { qmin, qmax } = quantizationRange(bits, symmetric, narrowRange);
  const grid = checkGrid(options.grid, symmetric, bits, granularity);
  const layout = affineLayout(shape, granularity);
  const elements = shape.reduce((product, dimension) => product * dimension, 1);
  const spec: CodeSpec = { bits, symmetric, grid, qmin, qmax, mask: 2 ** bits - 1, scaleDType };
  const size: AffinePartsSize = {
    codeBytes: packedByteLength(elements, bits),
    slots: layout.slotCount,
    scaleDType,
    zeroPointDType: symmetric ? undefined : zeroPointDType(bits),
  };
  return { shape, granularity, layout, spec, size };
}

/** The grid asked for, or the default: signed-extreme for symmetric 4-bit groups, absmax otherwise. */
export function checkGrid(grid: unknown, symmetric: boolean, bits: number, granularity: Granularity): ScaleGrid {
  if (grid === undefined) return symmetric && bits === 4 && granularity.kind === 'group' ? 'signed-extreme' : 'absmax';
  if (!(SCALE_GRIDS as readonly unknown[]).includes(grid)) {
    throw new WhittleError('invalid-argument', `grid must be absmax or signed-extreme, got ${describeValue(grid)}`, { field: 'grid' });
  }
  if (grid === 'signed-extreme' && !symmetric) {
    throw new WhittleError('invalid-argument', 'the signed-extreme grid needs symmetric codes', { field: 'grid' });
  }
  return grid as ScaleGrid;
}

/**
 * Runs the WebAssembly SIMD kernel where it covers the case (it writes the parts itself), else
 * the JS kernels into scratch, then stores their results into the parts.
 */
function quantizeInto(values: Float32Array, plan: AffinePlan, parts: DestinationParts, scratch: AffineScratch | undefined): void {
  const { layout, spec, granularity } = plan;
  if (values.length > 0) {
    const done =
      granularity.kind === 'group' ? quantizeByGroupSimd(values, layout, spec, parts) : quantizeByPositionSimd(values, layout, spec, parts);
    if (done === true) return;
  }
  const wide = spec.bits === 16;
  // 8-bit codes are their own packing: the JS kernels write them straight into the output.
  const direct = spec.bits === 8;
  const arrays = scratchFor(scratch, layout.slotCount, direct ? 0 : values.length, wide);
  const params: SlotParams = { scales: arrays.scales, zeroPoints: arrays.zeroPoints };
  const codes: MaskedCodes = direct ? parts.codes : wide ? arrays.wideCodes.subarray(0, values.length) : arrays.codes.subarray(0, values.length);
  // An empty tensor has nothing to loop over: its slots (one per position, at most) all see no
  // values, and the loops must not run over its other axes for nothing. A group slot always
  // covers elements, so an empty tensor has no group slots.
  const finite =
    values.length === 0
      ? layout.slotCount === 0 || quantizeByPositionJs(values, { ...layout, outer: 1, inner: 0 }, spec, params, codes)
      : granularity.kind === 'group'
        ? quantizeByGroupJs(values, layout, spec, params, codes)
        : quantizeByPositionJs(values, layout, spec, params, codes);
  if (!finite) throw nonFiniteError(values, firstNonFinite(values));
  storeParts(params, codes, spec, layout.slotCount, parts);
}

/** The JS kernels' float64 scales and zero points and unpacked codes, stored as the encoding keeps them. */
function storeParts(params: SlotParams, codes: MaskedCodes, spec: CodeSpec, slots: number, parts: DestinationParts): void {
  // Scales were rounded up to their stored dtype already, so these conversions are exact.
  const { scales, zeroPoints } = parts;
  if (scales instanceof Float32Array) {
    for (let slot = 0; slot < slots; slot++) scales[slot] = params.scales[slot]!;
  } else {
    for (let slot = 0; slot < slots; slot++) scales[slot] = float32ToFloat16Bits(params.scales[slot]!);
  }
  if (zeroPoints !== undefined) {
    for (let slot = 0; slot < slots; slot++) zeroPoints[slot] = params.zeroPoints[slot]!;
  }
  if (codes !== parts.codes) packMaskedCodesInto(codes, spec.bits, parts.codes);
}

/**
 * The exact bytes `quantizeAffine(tensor, options)` stores for a tensor of `shape`, without
 * quantizing: codes, scales and (asymmetric) zero points, as the same defaults and checks of
 * `options` give them. The values cannot change the size, only make `quantizeAffine` refuse them
 * (NaN, infinities).
 *
 * @example
 * ```ts
 * quantizeAffineByteLength([64, 32], { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } }); // 1152
 * ```
 */
export function quantizeAffineByteLength(shape: readonly number[], options: QuantizeAffineOptions): number {
  const { bits, symmetric = true } = options;
  const granularity = checkGranularity(options.granularity, shape);
  return affineByteLength({
    shape,
    bits,
    granularity,
    scaleDType: checkScaleDType(options.scaleDType, granularity),
    ...(symmetric ? {} : { zeroPointDType: zeroPointDType(bits) }),
  });
}

function checkScaleDType(scaleDType: unknown, granularity: Granularity): 'float32' | 'float16' {
  const chosen = scaleDType ?? (granularity.kind === 'group' ? 'float16' : 'float32');
  if (chosen !== 'float32' && chosen !== 'float16') {
    throw new WhittleError('invalid-argument', `scaleDType must be float32 or float16, got ${describeValue(chosen)}`, {
      field: 'scaleDType',
    });
  }
  return chosen;
}

function checkGranularity(granularity: Granularity, shape: readonly number[]): Granularity {
  const rank = shape.length;
  const kind = (granularity as { kind?: unknown } | undefined)?.kind;
  if (kind === 'tensor') return { kind };
  if (kind !== 'axis' && kind !== 'group') {
    throw new WhittleError('invalid-argument', `granularity kind must be tensor, axis or group, got ${describeValue(kind)}`, {
      field: 'granularity.kind',
    });
  }
  const normalized = normalizeGranularity(granularity, rank);
  if (normalized.kind === 'tensor') return normalized;
  if (!Number.isInteger(normalized.axis) || normalized.axis < 0 || normalized.axis >= rank) {
    throw new WhittleError(
      'invalid-argument',
      `axis ${describeValue(granularity.kind === 'tensor' ? undefined : granularity.axis)} is not an axis of a rank-${rank} tensor`,
      { field: 'granularity.axis' },
    );
  }
  if (normalized.kind === 'group' && (!Number.isSafeInteger(normalized.size) || normalized.size < 1)) {
    throw new WhittleError('invalid-argument', `group size must be a positive integer, got ${describeValue(normalized.size)}`, {
      field: 'granularity.size',
    });
  }
  return normalized;
}

/** Zero points fit the codes: 16-bit codes need 16-bit zero points, all others 8. */
function zeroPointDType(bits: number): 'uint8' | 'uint16' {
  return bits === 16 ? 'uint16' : 'uint8';
}
