/**
 * Fake quantization for quantization-aware training: the forward pass sees values quantized and
 * dequantized, the backward pass sees (almost) the identity — the straight-through estimator.
 * Everything is tfjs ops, so it trains on every backend, WebGPU included (no reads to the host).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  WhittleError,
  affineFromCodes,
  describeValue,
  normalizeGranularity,
  scalesShape,
  type AffineEncoding,
  type Granularity,
} from '@whittle/core';
import { quantizationRange } from '../primitives/index.ts';

/** Options of {@link fakeQuant}. */
export interface FakeQuantOptions {
  /** Code width, 2–8. */
  readonly bits: number;
  /** Signed codes around zero (default) or unsigned codes with a zero point per scale. */
  readonly symmetric?: boolean;
  /** Drop the lowest code (`[-127, 127]` for 8 bits). Default false. */
  readonly narrowRange?: boolean;
  /** How scales are shared (default one per tensor); a negative axis counts from the end. */
  readonly granularity?: Granularity;
  /**
   * A fixed clipping range (activations' usual form). Without it, each scale is chosen from the
   * values it covers, every forward pass (weights' usual form), so nothing is ever clipped.
   */
  readonly range?: { readonly minimum: number; readonly maximum: number };
}

/** The tensors one fake-quantization step computes (internal, shared with the export). */
type FakeQuantParts = {
  /** Codes (float32 holding integers), in the input's shape. */
  readonly codes: tf.Tensor;
  /** The dequantized values, in the input's shape. */
  readonly values: tf.Tensor;
  /** 1 where the input lies in the clipping range, 0 outside, in the input's shape. */
  readonly inside: tf.Tensor;
  /** Scales and zero points, in the order and count of `scalesShape(shape, granularity)`. */
  readonly scales: tf.Tensor;
  readonly zeroPoints: tf.Tensor;
};

/**
 * Fake-quantizes `x`: quantize to `bits`-wide codes and dequantize, with scales and zero points
 * chosen as `chooseQParams` chooses them (the range widened to include 0; symmetric scales use
 * every code), from `x` itself or from a fixed `range`, per tensor, per axis or per group.
 *
 * The gradient is the straight-through estimator: `dy` where `x` lies in the clipping range
 * (the range the scale was chosen for; always, without a fixed `range`), 0 outside it.
 * Training needs tfjs's gradients: `useBackend(name, { gradients: true })` registers them.
 *
 * @example
 * ```ts
 * await useBackend('cpu', { gradients: true });
 * const kernel = tf.variable(tf.randomNormal([64, 32]));
 * const loss = () => tf.sum(tf.matMul(inputs, fakeQuant(kernel, { bits: 4, granularity: { kind: 'axis', axis: 1 } })));
 * const { grads } = tf.variableGrads(loss); // straight through the rounding
 * ```
 */
export function fakeQuant(x: tf.Tensor, options: FakeQuantOptions): tf.Tensor {
  const resolved = resolveFakeQuantOptions(options, x.shape);
  // tfjs runs the forward function inside a tidy, so the parts not returned or saved are freed.
  const operation = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const parts = fakeQuantParts(input, resolved);
    save([parts.inside]);
    return { value: parts.values, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]!) };
  });
  return operation(x);
}

/**
 * The affine encoding of what {@link fakeQuant} computes for `x` with the same options: its
 * codes, scales and zero points, read from the same tfjs computation, so decoding it gives
 * exactly fakeQuant's forward values (on the backend it ran on). Scales are stored as float32.
 *
 * @example
 * ```ts
 * const encoding = await fakeQuantEncoding(kernel, { bits: 4, granularity: { kind: 'axis', axis: 1 } });
 * decode(encoding); // equals fakeQuant(kernel, sameOptions).dataSync()
 * ```
 */
export async function fakeQuantEncoding(x: tf.Tensor, options: FakeQuantOptions): Promise<AffineEncoding> {
  const resolved = resolveFakeQuantOptions(options, x.shape);
  const parts = fakeQuantParts(x, resolved);
  try {
    const [codes, scales, zeroPoints] = await Promise.all([parts.codes.data(), parts.scales.data(), parts.zeroPoints.data()]);
    const shape = [...x.shape];
    const parametersShape = scalesShape(shape, resolved.granularity);
    return affineFromCodes({
      shape,
      bits: resolved.bits,
      signed: resolved.symmetric,
      granularity: resolved.granularity,
      codes,
      scales: { dtype: 'float32', shape: parametersShape, data: Float32Array.from(scales) },
      ...(resolved.symmetric
        ? {}
        : { zeroPoints: { dtype: 'uint8' as const, shape: parametersShape, data: Uint8Array.from(zeroPoints) } }),
    });
  } finally {
    tf.dispose([parts.codes, parts.values, parts.inside, parts.scales, parts.zeroPoints]);
  }
}

/** 2^-126, the smallest float32 every backend keeps (GPUs flush subnormals to zero). */
const SMALLEST_NORMAL_FLOAT32 = 2 ** -126;

/** {@link FakeQuantOptions} checked, with the code range they imply. */
export interface ResolvedFakeQuantOptions {
  readonly bits: number;
  readonly symmetric: boolean;
  readonly qmin: number;
  readonly qmax: number;
  readonly granularity: Granularity;
  readonly range: { readonly minimum: number; readonly maximum: number } | undefined;
}

/**
 * Checks fakeQuant options against a tensor shape and fills in defaults; throws an
 * `invalid-argument` WhittleError naming the field (internal).
 *
 * @example
 * ```ts
 * resolveFakeQuantOptions({ bits: 4 }, [64, 32]).qmin; // -8
 * ```
 */
export function resolveFakeQuantOptions(options: FakeQuantOptions, shape: readonly number[]): ResolvedFakeQuantOptions {
  if (typeof options !== 'object' || options === null) fail(`expected options, got ${describeValue(options)}`, 'options');
  const { bits, symmetric = true, narrowRange = false, range } = options;
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 2 || bits > 8) {
    fail(`bits must be an integer from 2 to 8, got ${describeValue(bits)}`, 'bits');
  }
  if (typeof symmetric !== 'boolean') fail(`symmetric must be true or false, got ${describeValue(symmetric)}`, 'symmetric');
  if (typeof narrowRange !== 'boolean') fail(`narrowRange must be true or false, got ${describeValue(narrowRange)}`, 'narrowRange');
  const granularity = normalizeGranularity(options.granularity ?? { kind: 'tensor' }, shape.length);
  if (granularity.kind !== 'tensor') {
    if (granularity.kind !== 'axis' && granularity.kind !== 'group') {
      fail(`granularity kind must be tensor, axis or group, got ${describeValue((granularity as { kind: unknown }).kind)}`, 'granularity.kind');
    }
    if (!Number.isInteger(granularity.axis) || granularity.axis < 0 || granularity.axis >= shape.length) {
      fail(`axis ${describeValue(granularity.axis)} is out of range for rank ${shape.length}`, 'granularity.axis');
    }
    if (granularity.kind === 'group' && (!Number.isSafeInteger(granularity.size) || granularity.size < 1)) {
      fail(`group size must be a positive integer, got ${describeValue(granularity.size)}`, 'granularity.size');
    }
  }
  if (range !== undefined) {
    const ok =
      typeof range === 'object' &&
      range !== null &&
      Number.isFinite(range.minimum) &&
      Number.isFinite(range.maximum) &&
      range.minimum <= range.maximum;
    if (!ok) fail(`range must hold finite minimum ≤ maximum, got ${describeValue(range)}`, 'range');
  }
  const { qmin, qmax } = quantizationRange(bits, symmetric, narrowRange);
  return { bits, symmetric, qmin, qmax, granularity, range };
}

/**
 * Quantize-dequantize on a view `[outer, groups, groupSize, inner]` of `x`, where each scale
 * covers one `[·, group, :, ·]` slice (per axis: groupSize 1, and outer and inner reduced too).
 * Groups that overrun the axis are padded with zeros, which change nothing: ranges include 0.
 */
function fakeQuantParts(x: tf.Tensor, options: ResolvedFakeQuantOptions): FakeQuantParts {
  return tf.tidy(() => {
    const { granularity, qmin, qmax, symmetric } = options;
    const shape = x.shape;
    const axis = granularity.kind === 'tensor' ? 0 : granularity.axis;
    const outer = granularity.kind === 'tensor' ? 1 : product(shape.slice(0, axis));
    const length = granularity.kind === 'tensor' ? x.size : shape[axis]!;
    const inner = granularity.kind === 'tensor' ? 1 : product(shape.slice(axis + 1));
    const groupSize = granularity.kind === 'axis' ? 1 : granularity.kind === 'group' ? granularity.size : Math.max(length, 1);
    const groups = Math.ceil(length / groupSize);
    let view = tf.reshape(tf.cast(x, 'float32'), [outer, length, inner]);
    if (groups * groupSize > length) view = tf.pad(view, [[0, 0], [0, groups * groupSize - length], [0, 0]]);
    view = tf.reshape(view, [outer, groups, groupSize, inner]);
    const reduced = granularity.kind === 'axis' ? [0, 2, 3] : [2];
    const zero = tf.scalar(0);
    const low = options.range === undefined
      ? tf.minimum(tf.min(view, reduced, true), zero)
      : tf.fill(parameterShape(outer, groups, inner, granularity), Math.min(options.range.minimum, 0));
    const high = options.range === undefined
      ? tf.maximum(tf.max(view, reduced, true), zero)
      : tf.fill(parameterShape(outer, groups, inner, granularity), Math.max(options.range.maximum, 0));
    const magnitude = tf.maximum(tf.neg(low), high);
    const width = symmetric ? tf.mul(magnitude, 2) : tf.sub(high, low);
    // An all-zero range would give scale 0; any positive scale maps 0 to the zero point exactly.
    // Scales stay normal floats: a subnormal range would underflow to 0 (or be flushed to 0 on
    // GPUs), and values that small quantize to 0 either way.
    const scale = tf.where(
      tf.greater(width, 0),
      tf.maximum(tf.div(width, qmax - qmin), SMALLEST_NORMAL_FLOAT32),
      tf.onesLike(width),
    );
    const zeroPoint = symmetric ? tf.zerosLike(scale) : tf.clipByValue(tf.sub(qmin, tf.round(tf.div(low, scale))), qmin, qmax);
    // tf.round rounds half to even, like the package's quantizeValue.
    const codes = tf.clipByValue(tf.add(tf.round(tf.div(view, scale)), zeroPoint), qmin, qmax);
    const values = tf.mul(tf.sub(codes, zeroPoint), scale);
    const inside = symmetric
      ? tf.logicalAnd(tf.greaterEqual(view, tf.neg(magnitude)), tf.lessEqual(view, magnitude))
      : tf.logicalAnd(tf.greaterEqual(view, low), tf.lessEqual(view, high));
    const restore = (tensor: tf.Tensor): tf.Tensor =>
      tf.reshape(tf.slice(tf.reshape(tensor, [outer, groups * groupSize, inner]), [0, 0, 0], [outer, length, inner]), shape);
    return {
      codes: restore(codes),
      values: restore(values),
      inside: restore(tf.cast(inside, 'float32')),
      scales: tf.reshape(scale, [-1]),
      zeroPoints: tf.reshape(zeroPoint, [-1]),
    };
  });
}

function parameterShape(outer: number, groups: number, inner: number, granularity: Granularity): number[] {
  return granularity.kind === 'axis' ? [1, groups, 1, 1] : [outer, groups, 1, inner];
}

function product(dimensions: readonly number[]): number {
  return dimensions.reduce((total, dimension) => total * dimension, 1);
}

function fail(message: string, field: string): never {
  throw new WhittleError('invalid-argument', message, { field });
}
