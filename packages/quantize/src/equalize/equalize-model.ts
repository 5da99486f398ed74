/**
 * Cross-layer equalization (Nagel et al., "Data-Free Quantization Through Weight Equalization
 * and Bias Correction", 2019): rescale each channel where it is made and where it is read so that
 * its ranges in both kernels agree. The float model computes the same function; a per-tensor
 * quantizer afterwards no longer has to serve channels of very different scale with one step.
 */
import { WhittleError, castDense, describeValue, hostTensor, toFloat32, type Model, type Param } from '@whittle/core';
import { readModelGraph } from '@whittle/core/graph';
import { axisAbsMax, scaleAlongAxis } from './axis-ranges.ts';
import { equalizationPairs, type EqualizationPair, type PairParam } from './equalization-plan.ts';

/** Options of {@link equalizeModel}. */
export interface EqualizeOptions {
  /**
   * Most sweeps over every pair (a kernel that reads one pair's channels and makes the next
   * pair's changes with both, so one sweep does not settle them all); default {@link DEFAULT_EQUALIZE_SWEEPS}.
   */
  readonly sweeps?: number;
}

/** Sweeps {@link equalizeModel} makes at most when not told. */
export const DEFAULT_EQUALIZE_SWEEPS = 64;
/** Sweeps stop once no factor moved a channel by more than this ratio. */
const SETTLED = 1 + 1e-6;
type FloatDType = 'float32' | 'float16' | 'bfloat16';
const FLOAT_DTYPES: ReadonlySet<string> = new Set<FloatDType>(['float32', 'float16', 'bfloat16']);
/** Largest factor one sweep applies to one channel, so a near-dead channel cannot blow up its reader. */
const FACTOR_LIMIT = 1e4;

/** What {@link equalizeModel} did: the model, and how many layer pairs it rescaled in how many sweeps. */
export interface EqualizeResult {
  /** The equalized model; the input itself when no pair qualified. */
  readonly model: Model;
  /** Layer pairs rescaled (a maker and the kernels reading its channels). */
  readonly pairs: number;
  /** Sweeps over all pairs made before they settled (0 when no pair qualified). */
  readonly sweeps: number;
}

/**
 * `model` with cross-layer equalization applied: for every layer whose output channels reach
 * only the kernels that read them (Dense / Conv / MatMul / depthwise with multiplier 1), through
 * ops that commute with positive scaling and keep channels in place (ReLU, leaky ReLU, PReLU,
 * pooling, spatial padding, a bias add), channel `c` is divided by `s_c = sqrt(r1_c / r2_c)`
 * where it is made (kernel and bias) and multiplied by it where it is read, `r1` and `r2` being
 * the channel's largest magnitude in the making and the reading kernels; both become
 * `sqrt(r1_c · r2_c)`. Sweeps repeat over all pairs until they settle (a depthwise layer is read
 * by one pair and makes the next, so conv → depthwise → conv ends with one range per channel in
 * all three). Biases are scaled, not measured. Pairs through ReLU6, sigmoid, tanh, sums with
 * other tensors (residuals), products or anything else are left as they are. The float outputs
 * are unchanged up to rounding: float32 rounding for float32 params, while float16 and bfloat16
 * params keep their dtype and are rounded back to it; pairs that touch a quantized, sparse or
 * integer param are left alone. Throws an `invalid-model` WhittleError for a model
 * without a graph (a bare checkpoint).
 *
 * @example
 * ```ts
 * const { model: equalized, pairs } = equalizeModel(model);
 * const { model: stock } = await compress(equalized, [uint8()]);
 * ```
 */
export function equalizeModel(model: Model, options: EqualizeOptions = {}): EqualizeResult {
  const sweeps = options.sweeps ?? DEFAULT_EQUALIZE_SWEEPS;
  if (!Number.isSafeInteger(sweeps) || sweeps < 1 || sweeps > 1000) {
    throw new WhittleError('invalid-argument', `equalize sweeps must be an integer in 1–1000, got ${describeValue(sweeps)}`, { field: 'sweeps' });
  }
  const graph = readModelGraph(model);
  const pairs = equalizationPairs(graph, (name) => model.params.get(name)?.shape).filter((pair) =>
    [...pair.kernels, ...pair.biases, ...pair.readers].every((entry) => floatValues(model.params.get(entry.param)) !== undefined),
  );
  if (pairs.length === 0) return { model, pairs: 0, sweeps: 0 };
  const values = new Map<string, Float32Array>();
  const valuesOf = (name: string): Float32Array => {
    let array = values.get(name);
    if (array === undefined) {
      array = floatValues(model.params.get(name))!;
      values.set(name, array);
    }
    return array;
  };
  const shapeOf = (name: string): readonly number[] => model.params.get(name)!.shape;
  let sweep = 0;
  while (sweep < sweeps) {
    sweep++;
    let largestMove = 1;
    for (const pair of pairs) largestMove = Math.max(largestMove, equalizePair(pair, valuesOf, shapeOf));
    if (largestMove < SETTLED) break;
  }
  const params = new Map<string, Param>();
  for (const [name, param] of model.params) {
    const array = values.get(name);
    if (array === undefined || param.value.kind !== 'dense') {
      params.set(name, param);
      continue;
    }
    // Each param keeps its dtype (and so its size): a float16 one is rounded back to float16.
    params.set(name, { ...param, value: castDense(hostTensor('float32', [...param.shape], array), param.value.tensor.dtype as FloatDType) });
  }
  return { model: { ...model, params }, pairs: pairs.length, sweeps: sweep };
}

/**
 * The values of a dense float param as float32 (a copy), or undefined for anything else: a pair
 * that touches an already quantized, sparse or integer param is left alone.
 */
function floatValues(param: Param | undefined): Float32Array | undefined {
  if (param === undefined || param.value.kind !== 'dense' || !FLOAT_DTYPES.has(param.value.tensor.dtype)) return undefined;
  return Float32Array.from(toFloat32(param.value.tensor).data as Float32Array);
}

/** Rescales one pair's channels once; returns the largest factor (or its inverse) applied, at least 1. */
function equalizePair(pair: EqualizationPair, valuesOf: (name: string) => Float32Array, shapeOf: (name: string) => readonly number[]): number {
  const rangeOf = (entries: readonly PairParam[]): Float64Array => {
    const ranges = new Float64Array(pair.channels);
    for (const { param, axis } of entries) {
      const perChannel = axisAbsMax(valuesOf(param), shapeOf(param), axis);
      for (let channel = 0; channel < pair.channels; channel++) ranges[channel] = Math.max(ranges[channel]!, perChannel[channel]!);
    }
    return ranges;
  };
  const made = rangeOf(pair.kernels);
  const read = rangeOf(pair.readers);
  const factors = new Float64Array(pair.channels).fill(1);
  let largestMove = 1;
  for (let channel = 0; channel < pair.channels; channel++) {
    const [first, second] = [made[channel]!, read[channel]!];
    // A channel that is zero (or not finite) in either kernel has no range to balance.
    if (!(first > 0 && second > 0 && Number.isFinite(first) && Number.isFinite(second))) continue;
    const factor = Math.min(FACTOR_LIMIT, Math.max(1 / FACTOR_LIMIT, Math.sqrt(first / second)));
    factors[channel] = factor;
    largestMove = Math.max(largestMove, factor, 1 / factor);
  }
  const inverses = factors.map((factor) => 1 / factor);
  for (const { param, axis } of [...pair.kernels, ...pair.biases]) scaleAlongAxis(valuesOf(param), shapeOf(param), axis, inverses);
  for (const { param, axis } of pair.readers) scaleAlongAxis(valuesOf(param), shapeOf(param), axis, factors);
  return largestMove;
}
