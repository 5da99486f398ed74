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
  float32ArrayToFloat16,
  isFloatDType,
  normalizeGranularity,
  scalesShape,
  toFloat32,
  type AffineEncoding,
  type Granularity,
  type HostTensor,
} from '@whittle/core';
import { affineLayout } from './affine-layout.ts';
import { quantizeByGroup, quantizeByPosition, type CodeSpec, type SlotParams } from './affine-kernels.ts';
import { firstNonFinite, nonFiniteError } from './non-finite.ts';
import { packMaskedCodes } from '@whittle/core';
import { quantizationRange } from './quantization-range.ts';

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
}

/**
 * Quantizes a float tensor: for each scale's slice, the range (widened to include 0) picks a
 * scale and zero point as {@link chooseQParams} does, with the scale rounded up to its stored
 * dtype, and each value becomes round(value / scale) + zeroPoint, half to even, clamped.
 * Every value then decodes to within scale / 2 of itself, and 0 decodes to exactly 0.
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
 * ```
 */
export function quantizeAffine(tensor: HostTensor, options: QuantizeAffineOptions): AffineEncoding {
  if (!isFloatDType(tensor.dtype)) {
    throw new WhittleError('invalid-tensor', `quantizes float tensors, got ${describeValue(tensor.dtype)}`, {
      field: 'dtype',
    });
  }
  const { bits, symmetric = true, narrowRange = false } = options;
  const shape = [...tensor.shape];
  const granularity = checkGranularity(options.granularity, shape);
  const scaleDType = checkScaleDType(options.scaleDType, granularity);
  if (symmetric && bits < 2) {
    throw new WhittleError('invalid-argument', 'symmetric quantization needs at least 2 bits', { field: 'bits' });
  }
  const { qmin, qmax } = quantizationRange(bits, symmetric, narrowRange);
  const values = toFloat32(tensor).data;
  const layout = affineLayout(shape, granularity);
  // An empty tensor's shape alone could ask for billions of scales.
  checkEntriesBound(layout.slotCount, values.length);
  const spec: CodeSpec = { symmetric, qmin, qmax, mask: 2 ** bits - 1, scaleDType };
  const params: SlotParams = {
    scales: new Float64Array(layout.slotCount),
    zeroPoints: new Float64Array(layout.slotCount),
  };
  const codes = bits === 16 ? new Uint16Array(values.length) : new Uint8Array(values.length);
  // An empty tensor has nothing to loop over: its slots (one per position, at most) all see no
  // values, and the loops must not run over its other axes for nothing. A group slot always
  // covers elements, so an empty tensor has no group slots.
  const finite =
    values.length === 0
      ? layout.slotCount === 0 || quantizeByPosition(values, { ...layout, outer: 1, inner: 0 }, spec, params, codes)
      : granularity.kind === 'group'
        ? quantizeByGroup(values, layout, spec, params, codes)
        : quantizeByPosition(values, layout, spec, params, codes);
  if (!finite) throw nonFiniteError(values, firstNonFinite(values));
  const parametersShape = scalesShape(shape, granularity);
  // Stored scales were rounded up to their dtype already, so these conversions are exact.
  const scales =
    scaleDType === 'float32'
      ? { dtype: 'float32' as const, shape: parametersShape, data: new Float32Array(params.scales) }
      : { dtype: 'float16' as const, shape: parametersShape, data: float32ArrayToFloat16(new Float32Array(params.scales)) };
  return affineEncoding({
    shape,
    bits,
    signed: symmetric,
    granularity,
    codes: packMaskedCodes(codes, bits),
    scales,
    ...(symmetric ? {} : { zeroPoints: zeroPointTensor(params.zeroPoints, parametersShape, bits) }),
  });
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

function zeroPointTensor(
  zeroPoints: Float64Array,
  shape: number[],
  bits: number,
): HostTensor<'uint8' | 'uint16'> {
  return zeroPointDType(bits) === 'uint16'
    ? { dtype: 'uint16', shape, data: new Uint16Array(zeroPoints) }
    : { dtype: 'uint8', shape, data: new Uint8Array(zeroPoints) };
}

/** Zero points fit the codes: 16-bit codes need 16-bit zero points, all others 8. */
function zeroPointDType(bits: number): 'uint8' | 'uint16' {
  return bits === 16 ? 'uint16' : 'uint8';
}
